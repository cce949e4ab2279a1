from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def offered_languages() -> list[tuple[str, str]]:
    """(code, name) of each language offered, each named in its own language ("Cymraeg" stays
    "Cymraeg" on an English page, and "English" on a Welsh one)."""
    return list(settings.LANGUAGES)
