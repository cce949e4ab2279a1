"""Small display helpers for scores, bands and statuses."""

from django import template

register = template.Library()

BAND_CLASSES = {
    "barrier": "text-bg-danger",
    "weakness": "text-bg-warning",
    "adequate": "text-bg-info",
    "strength": "text-bg-success",
    "strength_barrier": "text-bg-danger-subtle text-danger-emphasis border border-danger",
    "strength_unverified": "text-bg-success-subtle text-success-emphasis border border-success",
}

STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-primary",
    "returned": "text-bg-warning",
    "approved": "text-bg-success",
}


@register.filter
def notes_for(notes: dict, code: str) -> list:
    """The panels other apps show with one question (``extensions.question_notes``)."""
    return notes.get(code, []) if notes else []


@register.filter
def score(value) -> str:
    """A 0–100 score as a whole number, or an en dash when there is none."""
    from audits.scoring import shown

    return "–" if value is None else str(shown(value))


@register.filter
def band_class(band) -> str:
    return BAND_CLASSES.get(getattr(band, "key", band), "text-bg-light border")


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def evidence_label(strength: str) -> str:
    """The label of an evidence strength (scoring.EvidenceStrength, the one vocabulary)."""
    from audits.scoring import EvidenceStrength

    return EvidenceStrength(strength).label if strength in EvidenceStrength.values else strength


@register.filter
def factor_slug(factor: str) -> str:
    from audits.factors import FACTOR_SLUGS

    return FACTOR_SLUGS.get(factor, "")


@register.filter
def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


@register.filter
def band_style(band) -> str:
    """Inline colours of a band, the same on web pages and PDFs (audits.charts.BAND_COLOURS)."""
    from audits.charts import band_colours

    background, colour = band_colours(getattr(band, "key", band))
    return f"background: {background}; color: {colour};"


@register.filter
def signed(value: float) -> str:
    """A signed change (points or question-levels): +12, −5, 0."""
    rounded = round(value)
    return f"+{rounded}" if rounded > 0 else (f"−{-rounded}" if rounded < 0 else "0")


@register.filter
def person(user) -> str:
    """A user's full name, else their username; "someone" when there is none (an imported
    audit may not say who submitted it)."""
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()
