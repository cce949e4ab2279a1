"""What the perspectives pages read, beside the comparison itself (perspectives.comparison)."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from audits import question_bank
from audits.factors import FACTOR_ORDER, Factor
from audits.models import Audit, Question

from .models import Channel, Invitation, Perspective, PerspectiveAnswer, WorkshopTally


def questions_of(audit: Audit) -> list[Question]:
    """The audit's bank's questions, in order (kept in memory: audits.question_bank)."""
    return question_bank.questions(audit.framework_id)


@dataclass(frozen=True)
class FactorGroup:
    factor: str
    items: list  # forms, one per question

    @property
    def label(self) -> str:
        return Factor(self.factor).label

    @property
    def slug(self) -> str:
        return self.factor.replace("_", "-")


def by_factor(forms) -> list[FactorGroup]:
    """Forms grouped under their question's factor, in the framework's order."""
    groups = {f: [] for f in FACTOR_ORDER}
    for form in forms:
        groups[form.question.factor].append(form)
    return [FactorGroup(f, items) for f, items in groups.items() if items]


def own_answers(perspective: Perspective | None, user=None) -> dict[int, PerspectiveAnswer]:
    """A councillor's answers (``user``) or an invited organisation's (no user), by question id."""
    if perspective is None:
        return {}
    rows = PerspectiveAnswer.objects.filter(perspective=perspective, user=user)
    return {a.question_id: a for a in rows}


def answered_count(answers) -> int:
    return sum(1 for a in answers if a.rating is not None or a.dont_know)


def tallies_of(perspective: Perspective) -> dict[int, WorkshopTally]:
    return {t.question_id: t for t in WorkshopTally.objects.filter(perspective=perspective)}


def invitation_of(audit: Audit, invitation_id: int) -> Invitation:
    """An invitation of this audit (the audit already checked for the user), or 404."""
    return get_object_or_404(
        Invitation.objects.select_related("perspective__audit"), pk=invitation_id, perspective__audit=audit
    )


def workshop_of(audit: Audit, perspective_id: int) -> Perspective:
    return get_object_or_404(
        Perspective.objects.select_related("audit"), pk=perspective_id, audit=audit, channel=Channel.WORKSHOP
    )
