from django import template

from ..permissions import may_discuss

register = template.Library()


@register.filter
def discusses(user, audit) -> bool:
    """Whether the user reads and writes comments on this audit's answers."""
    return may_discuss(user, audit.council_id)
