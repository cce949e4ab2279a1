"""Small display helpers for scores, bands and statuses."""

from django import template

register = template.Library()

BAND_CLASSES = {
    "barrier": "text-bg-danger",
    "weakness": "text-bg-warning",
    "adequate": "text-bg-info",
    "strength": "text-bg-success",
}

STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-primary",
    "returned": "text-bg-warning",
    "approved": "text-bg-success",
}

EVIDENCE_LABELS = {
    "none": "None",
    "weak": "Weak",
    "moderate": "Moderate",
    "strong": "Strong",
}


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
    return EVIDENCE_LABELS.get(strength, strength)


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
    """A change in points: +12, −5, 0."""
    rounded = round(value)
    return f"+{rounded}" if rounded > 0 else (f"−{-rounded}" if rounded < 0 else "0")
