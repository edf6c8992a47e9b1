from html import escape

from django import template
from django.utils.safestring import mark_safe

from roles.catalogue.fragments import (
    CARDS_SHOWN,
    render_cards,
    render_kept,
    render_related,
    render_role_body,
)
from roles.catalogue.fragments import role_structured_data as fragments_role_structured_data

register = template.Library()


@register.simple_tag(takes_context=True)
def role_cards(context, roles, show_category=False):
    """Role cards (includes/role_card.html) for `roles`, each from the fragment cache where it
    is there (roles/catalogue/fragments.py)."""
    return render_cards(roles, context, show_category)


@register.filter
def first_cards(roles):
    """The first CARDS_SHOWN of `roles`: pages other than the listing show no more."""
    return roles[:CARDS_SHOWN]


@register.simple_tag
def facet_options(facet, options):
    """A facet's options as <li> elements, the markup of a checkbox and its label with the count.
    Written here rather than as an included template: a listing shows a few hundred options, and
    an include per option was most of the listing's rendering time; then format_html's escaping
    (a lazy-aware wrapper per argument, twelve per option) was a third of what remained, so each
    text is escaped once with the standard library's html.escape (the same five characters)."""
    name = escape(facet.name)
    items = []
    for option in options:
        ident = f"f-{name}-{escape(option.value)}"
        items.append(
            f'<li class="facet__option{" facet__option--empty" if option.disabled else ""}" '
            f'data-keys="{escape(option.keys)}">\n'
            f'  <input type="checkbox" name="{name}" value="{escape(option.value)}" id="{ident}"'
            f"{' checked' if option.selected else ''}{' disabled' if option.disabled else ''}>\n"
            f'  <label for="{ident}">{escape(option.label)} '
            f'<span class="facet__count">{int(option.count)}</span></label>\n'
            "</li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308  (every text above is escaped)


@register.simple_tag
def checkbox_options(field, prefix):
    """A multiple-choice form field's options as <li> elements, a checkbox and its label each,
    ticked where the visitor ticked them; ids are `prefix-name-value`. Written here for the
    reason facet_options is: the finder offers some 150 options, and the template loop that
    rendered them (eight lookups an option) was most of the page's time (27 ms → 9 ms)."""
    name = escape(field.name)
    ticked = {str(value) for value in field.value() or ()}
    items = []
    for value, label in field.field.choices:
        value = str(value)
        ident = f"{escape(prefix)}-{name}-{escape(value)}"
        items.append(
            '<li class="facet__option">\n'
            f'  <input type="checkbox" name="{name}" value="{escape(value)}" id="{ident}"'
            f"{' checked' if value in ticked else ''}>\n"
            f'  <label for="{ident}">{escape(str(label))}</label>\n'
            "</li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308  (every text above is escaped)


@register.simple_tag
def option_input(choice):
    """A checkbox or radio of a form's choice field: the markup of `{{ choice.tag }}` (Django's
    input.html and attrs.html), written here. The subscribe form has some 45 options, and a
    template render per option was most of the page's time (46 ms of 49); escaped as
    facet_options is. tests/test_subscriptions.py checks it against choice.tag()."""
    widget = choice.data
    markup = [f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"']
    if widget["value"] is not None:
        markup.append(f' value="{escape(str(widget["value"]))}"')
    for name, value in widget["attrs"].items():
        if value is True:
            markup.append(f" {escape(name)}")
        elif value is not False:
            markup.append(f' {escape(name)}="{escape(str(value))}"')
    return mark_safe("".join(markup) + ">")  # noqa: S308  (every text above is escaped)


@register.simple_tag(takes_context=True)
def related_section(context):
    """The role page's related roles (includes/related_roles.html), from the fragment cache
    where it is there (roles/catalogue/fragments.py)."""
    return render_related(context)


@register.simple_tag(takes_context=True)
def role_page_body(context):
    """A role page's content, from the fragment cache where it is there
    (roles/catalogue/fragments.py)."""
    return render_role_body(context)


@register.simple_tag(takes_context=True)
def role_structured_data(context):
    """A role page's JSON-LD, from the fragment cache where it is there."""
    return fragments_role_structured_data(context)


class KeptNode(template.Node):
    def __init__(self, name, parts, nodelist):
        self.name, self.parts, self.nodelist = name, parts, nodelist

    def render(self, context):
        name = ":".join([self.name, *(str(part.resolve(context)) for part in self.parts)])
        return render_kept(context, name, lambda: self.nodelist.render(context))


@register.tag
def kept(parser, token):
    """{% kept "name" [value …] %}…{% endkept %}: the block's markup, kept in the fragment cache
    until the catalogue changes, per page, host and language, and per the values given (a
    view's object, say) (roles/catalogue/fragments.py). Only for markup that depends on nothing
    else: no form, no CSRF token, no query parameter."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("{% kept %} takes a quoted name, then values")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]], nodelist)


@register.filter
def trail(page):
    """The page's ancestors below the tree's root, outermost first: as get_ancestors()[1:], but
    through the parents the router already read (Page.route caches them), without a query."""
    ancestors = []
    parent = page.get_parent() if page.depth and page.depth > 2 else None
    while parent is not None:
        ancestors.append(parent)
        parent = parent.get_parent() if parent.depth > 2 else None
    return ancestors[::-1]
