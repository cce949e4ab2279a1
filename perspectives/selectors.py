"""What the perspectives pages read, beside the comparison itself (perspectives.comparison)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from audits import question_bank
from audits.factors import FACTOR_ORDER, Factor
from audits.models import Audit, Question, Role

from .models import Channel, CouncillorRequest, Invitation, Perspective, PerspectiveAnswer, WorkshopTally


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


@dataclass(frozen=True)
class CouncillorState:
    user: object
    asked_at: object  # when last asked, or None
    emailed: bool
    answered: int  # questions the councillor has rated or answered "don't know"


def councillors_of(audit: Audit) -> list[CouncillorState]:
    """The council's councillors, each with when they were asked to rate this audit and how
    many questions they answered: three queries."""
    users = (
        get_user_model()
        .objects.filter(memberships__council_id=audit.council_id, memberships__role=Role.COUNCILLOR)
        .order_by("last_name", "first_name", "username")
    )
    asked = {r.councillor_id: r for r in CouncillorRequest.objects.filter(audit=audit)}
    answered = dict(
        PerspectiveAnswer.objects.filter(perspective__audit=audit, perspective__channel=Channel.MEMBERS)
        .filter(Q(rating__isnull=False) | Q(dont_know=True))
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    return [
        CouncillorState(
            u,
            asked[u.pk].asked_at if u.pk in asked else None,
            asked[u.pk].emailed if u.pk in asked else False,
            answered.get(u.pk, 0),
        )
        for u in users
    ]
