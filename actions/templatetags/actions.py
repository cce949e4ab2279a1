from django import template

register = template.Library()


@register.filter
def overdue(action, today) -> bool:
    """Whether an open action's due date has passed on ``today``."""
    return action.is_overdue(today)
