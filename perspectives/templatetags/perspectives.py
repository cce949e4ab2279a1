"""How a perspective's answer reads in a page or a report cell."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..comparison import level_text
from ..forms import DONT_KNOW, level_choices

register = template.Library()


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


@register.simple_tag
def rating_fieldset(row, comment_max: int) -> SafeString:
    """One question of a rating page (forms.RatingRow): its four levels and "don't know" as
    radio buttons, a comment, and the values the page last saved. Written with plain string
    formatting, every value escaped: the page has 36 of these (format_html took 30 ms)."""
    q = row.question
    code = escape(q.code)
    options = []
    for i, (value, text) in enumerate(level_choices(q)):
        number = f"<strong>{value}</strong> – " if value != DONT_KNOW else ""
        checked = " checked" if row.choice == value else ""
        options.append(
            f'<div class="form-check"><input class="form-check-input" type="radio" name="{code}-choice" '
            f'value="{value}" id="id_{code}-choice_{i}"{checked}><label class="form-check-label" '
            f'for="id_{code}-choice_{i}">{number}{escape(text)}</label></div>'
        )
    errors = (
        f'<div class="alert alert-danger py-1 px-2 small" id="q-{code}-errors">{escape(" ".join(row.errors))}</div>'
        if row.errors
        else ""
    )
    described = f' aria-describedby="q-{code}-errors"' if row.errors else ""
    invalid = " is-invalid" if row.errors else ""
    return mark_safe(
        f'<fieldset class="question card card-body mb-3" id="q-{code}" data-prefix="{code}"{described}>'
        f"<legend>{code}. {escape(q.prompt)}</legend>"
        f'<input type="hidden" name="initial-{code}-choice" value="{escape(row.initial_choice)}">'
        f'<input type="hidden" name="initial-{code}-comment" value="{escape(row.initial_comment)}">'
        f"{errors}{''.join(options)}"
        f'<label class="form-label mt-2 mb-1" for="id_{code}-comment">Comment (optional)</label>'
        f'<textarea class="form-control{invalid}" name="{code}-comment" id="id_{code}-comment" rows="2" '
        f'data-max-chars="{int(comment_max)}">{escape(row.comment)}</textarea>'
        '<p class="small mb-0 mt-1 rating-status" data-status aria-live="polite"></p></fieldset>'
    )


@register.simple_tag
def comparison_rows(rows) -> SafeString:
    """The rows of the "every question" table (comparison.QuestionRow): the question, the
    officers' answer and each shown perspective's, a divergence marked in words as well as by
    the row's colour. Plain string formatting, every value escaped (a table of 36 × 7 cells)."""
    out = []
    for row in rows:
        code = escape(row.question.code)
        link = (
            f' <a href="#divergence-{code}" class="d-block small">Two levels or more apart</a>' if row.diverges else ""
        )
        cells = "".join(
            f"<td>{escape(cell.text)}"
            + (
                ' <span class="visually-hidden">(two levels or more from the officers)</span>'
                '<span aria-hidden="true">◆</span>'
                if cell.diverges
                else ""
            )
            + "</td>"
            for cell in row.cells
        )
        marked = ' class="table-warning diverging"' if row.diverges else ""
        out.append(
            f"<tr{marked}>"
            f'<th scope="row" class="fw-normal"><strong>{code}</strong> {escape(row.question.prompt)}{link}</th>'
            f"<td>{escape(officers_text(row.officers))}</td>{cells}</tr>"
        )
    return mark_safe("".join(out))
