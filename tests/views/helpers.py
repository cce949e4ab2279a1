from audits.factors import FACTOR_SLUGS
from audits.models import Question


def step_post_data(audit, factor="can_do", *, rating="3", version=None, **fields):
    """POST data for one factor step, every question given ``rating`` and ``fields``."""
    audit.refresh_from_db()
    data = {"version": version if version is not None else audit.version, "next": "stay"}
    for q in Question.objects.filter(framework=audit.framework, factor=factor):
        data[f"{q.code}-rating"] = rating
        data[f"{q.code}-confidence"] = fields.get("confidence", "medium")
        data[f"{q.code}-evidence_notes"] = fields.get("evidence_notes", "")
        data[f"{q.code}-evidence_links"] = fields.get("evidence_links", "")
    return data


def step_url(audit, factor="can_do"):
    return f"/audits/{audit.pk}/{FACTOR_SLUGS[factor]}/"
