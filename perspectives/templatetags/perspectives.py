"""How a perspective's answer reads in a page or a report cell."""

from django import template

from ..comparison import level_text

register = template.Library()


@register.filter
def answer_text(cell) -> str:
    """A perspective's answer to a question: its rating, or for a group the median with the
    spread (lowest to highest level given) and how many answered. Never one person's rating
    inside a group."""
    spread = cell.spread
    if spread is None or not (spread.rated or spread.dont_know):
        return "–"
    if not cell.view.is_group:
        return "don't know" if not spread.rated else level_text(spread.median)
    if not spread.rated:
        return f"{spread.dont_know} don't know"
    text = f"median {level_text(spread.median)}"
    if spread.low != spread.high:
        text += f" ({spread.low}–{spread.high})"
    text += f", {spread.rated} rated"
    if spread.dont_know:
        text += f", {spread.dont_know} don't know"
    return text


@register.filter
def officers_text(answer) -> str:
    if answer is None:
        return "not answered"
    if answer.dont_know:
        return "don't know"
    return str(answer.rating) if answer.rating else "not answered"


@register.filter
def level(value) -> str:
    return "–" if value is None else level_text(value)


@register.filter
def gap_text(divergence) -> str:
    return f"{level_text(divergence.size)} level{'s' if divergence.size != 1 else ''} {divergence.direction}"


@register.filter
def level_of(question, rating) -> str:
    """The words of a question's level."""
    return question.level_text(rating)
