from django.middleware import locale
from django.utils.cache import patch_vary_headers


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, plus `Vary: Cookie`: the language may come from the cookie that the language
    switcher sets, not only from Accept-Language, so a cache must key on both."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        patch_vary_headers(response, ("Cookie",))
        return response
