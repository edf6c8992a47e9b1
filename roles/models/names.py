"""The one rule for which name of a role, category or term the interface shows.

Everything the catalogue names has the article's Chinese name (`title` for pages, `name` for
terms) and an English name the editors translated. The English interface leads with the English
name where there is one, the Chinese interface with the Chinese; the other name is shown beside
it in smaller type. Templates, forms, facets, feeds and the finder all read `display_name` and
`other_name`, so that no page decides this on its own.
"""

from django.utils.translation import get_language


class DisplayNameMixin:
    native_name_attribute = "title"

    @property
    def native_name(self):
        return getattr(self, self.native_name_attribute)

    @property
    def shows_english(self):
        return bool(self.english_name) and get_language() == "en"

    @property
    def display_name(self):
        """The name to lead with in the current interface language."""
        return self.english_name if self.shows_english else self.native_name

    @property
    def other_name(self):
        """The name to show beside it (in smaller type), or "" when there is none."""
        other = self.native_name if self.shows_english else self.english_name
        return "" if other == self.display_name else (other or "")

    @property
    def display_lang(self):
        """The HTML lang of display_name ("en" or "zh-Hans")."""
        return "en" if self.shows_english else "zh-Hans"

    @property
    def other_lang(self):
        return "zh-Hans" if self.shows_english else "en"
