"""Add other perspectives to the demo audits (run after seed_demo; ``make demo`` does).

For each demo council with audits: councillors, an invited community organisation, a residents'
panel's workshop and a group too small to show, on the last approved council-wide audit (with an
officer's note on every divergence, as approval requires); on the current period, a submitted
audit with one divergence still unexplained (its manager sees why approval waits) and a draft
with an open link (no answers yet) and a revoked one. Safe to run again: an audit that already
has perspectives is left as it is.

Demo links have fixed tokens, printed at the end, so that anyone can try a respondent's page.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from audits.models import Answer, Audit, AuditEvent, AuditStatus, Council, EventKind, Membership, Question, Role
from perspectives.comparison import comparison
from perspectives.models import (
    Channel,
    CouncillorRequest,
    DivergenceNote,
    Invitation,
    Perspective,
    PerspectiveAnswer,
    PerspectiveKind,
    WorkshopTally,
    token_hash,
)

PASSWORD = "clear-demo"

#: More councillors of the demo councils, so that the councillors' perspective is a group.
COUNCILLORS = {
    "Ynys Môn": [
        ("councillor", "Eleri", "Jones"),
        ("councillor-b", "Dafydd", "Roberts"),
        ("councillor-c", "Mair", "Ellis"),
    ],
    "Rhondda Cynon Taf": [("councillor2", "Owain", "Morgan"), ("councillor2-b", "Cerys", "Lloyd")],
}

#: How each kind of perspective tends to differ from the officers, per factor (C, L, E, A, R), in levels.
LEANS = {
    PerspectiveKind.COUNCILLORS: {
        "can_do": 0.2,
        "like_to": 0.3,
        "enabled_to": 0.0,
        "asked_to": 0.4,
        "responded_to": 0.5,
    },
    PerspectiveKind.COMMUNITY: {
        "can_do": -0.4,
        "like_to": 0.2,
        "enabled_to": 0.3,
        "asked_to": -1.2,
        "responded_to": -1.7,
    },
    PerspectiveKind.RESIDENTS: {
        "can_do": -0.6,
        "like_to": 0.4,
        "enabled_to": -0.3,
        "asked_to": -0.7,
        "responded_to": -1.1,
    },
    PerspectiveKind.PARTNER: {
        "can_do": 0.0,
        "like_to": 0.0,
        "enabled_to": -0.2,
        "asked_to": -0.5,
        "responded_to": -0.8,
    },
}

COMMENTS = [
    "Most of our members never hear about consultations until they are over.",
    "The ward meetings are good, but always at 2 pm on a weekday.",
    "We were asked, then heard nothing back for a year.",
    "The library drop-ins work well for older residents.",
    "Information is online only; many of our members are not.",
    "",
    "",
    "",
]


def _rating(rng: random.Random, officers: int | None, lean: float) -> int | None:
    if officers is None:
        return rng.choice([2, 3]) if rng.random() < 0.5 else None
    return max(1, min(4, round(officers + lean + rng.uniform(-0.8, 0.8))))


#: The place name the demo's organisations take after.
PLACES = {"Ynys Môn": "Anglesey", "Rhondda Cynon Taf": "Rhondda", "Bouches-du-Rhône": "Marseille"}


def demo_token(name: str) -> str:
    return "demo-" + slugify(name)


class Command(BaseCommand):
    help = "Add councillors', community organisations' and workshops' perspectives to the demo audits (idempotent)."

    def handle(self, *args, **options):
        if not (settings.DEMO or settings.DEBUG or settings.DEVTOOLS):
            raise CommandError(
                "Demo data only: its invitation links have guessable tokens. Run it with CLEARAUDIT_DEMO=1 (make demo)."
            )
        links = []
        with transaction.atomic():
            self._councillors()
            for council in Council.objects.filter(audits__isnull=False).distinct().order_by("name"):
                links += self._council(council)
        self.stdout.write(self.style.SUCCESS("Demo perspectives ready."))
        for name, token in links:
            self.stdout.write(f"  Invitation link of {name}: /respond/{token}/")

    def _councillors(self):
        User = get_user_model()
        for council_name, people in COUNCILLORS.items():
            council = Council.objects.filter(name=council_name).first()
            if council is None:
                continue
            for username, first, last in people:
                user, made = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
                )
                if made:
                    user.set_password(PASSWORD)
                    user.save()
                Membership.objects.get_or_create(user=user, council=council, defaults={"role": Role.COUNCILLOR})

    def _council(self, council: Council) -> list[tuple[str, str]]:
        audits = Audit.objects.filter(council=council, superseded_at__isnull=True)
        past = audits.filter(service__isnull=True, status=AuditStatus.APPROVED).order_by("-period").first()
        current = audits.order_by("-period").first().period
        submitted = audits.filter(period=current, status=AuditStatus.SUBMITTED).order_by("pk").first()
        draft = (
            audits.filter(period=current, status__in=[AuditStatus.DRAFT, AuditStatus.RETURNED]).order_by("pk").first()
        )
        officer = Membership.objects.filter(council=council, role=Role.OFFICER).first().user
        manager = Membership.objects.filter(council=council, role=Role.MANAGER).first().user
        councillors = [
            m.user for m in Membership.objects.filter(council=council, role=Role.COUNCILLOR).order_by("user__username")
        ]
        links = []
        short = PLACES.get(council.name, council.name)
        if past is not None and not past.perspectives.exists():
            if councillors:
                self._councillors_rate(past, councillors, manager)
            self._link(past, manager, f"{short} Community Voice", PerspectiveKind.COMMUNITY, 1)
            self._workshop(past, officer, f"{short} residents' panel, March", PerspectiveKind.RESIDENTS, 9)
            self._workshop(past, officer, f"{short} youth forum", PerspectiveKind.RESIDENTS, 3)  # too few to show
            self._explain_all(past, officer)
        if submitted is not None and not submitted.perspectives.exists():
            if councillors:
                self._councillors_rate(submitted, councillors, manager)
            self._link(submitted, manager, f"{short} Tenants' Federation", PerspectiveKind.COMMUNITY, 1)
            self._explain_all(submitted, officer, leave=1)  # one left: approval waits for it
        name = f"{short} Disability Forum"
        if draft is not None and not draft.perspectives.exists():
            self._link(draft, manager, name, PerspectiveKind.COMMUNITY, 1, answers=False)
            revoked = self._link(draft, manager, f"{short} Chamber of Trade", PerspectiveKind.PARTNER, 1, share=0.3)
            revoked.revoked_at, revoked.revoked_by = timezone.now() - timedelta(days=2), manager
            revoked.save(update_fields=["revoked_at", "revoked_by"])
        if draft is not None and Invitation.objects.filter(token_hash=token_hash(demo_token(name))).exists():
            links.append((name, demo_token(name)))
        return links

    def _officers(self, audit: Audit) -> dict[int, int | None]:
        return dict(Answer.objects.filter(audit=audit).values_list("question_id", "rating"))

    def _questions(self, audit: Audit) -> list[Question]:
        return list(Question.objects.filter(framework_id=audit.framework_id).order_by("order", "code"))

    def _councillors_rate(self, audit, councillors, by):
        perspective = Perspective.objects.create(
            audit=audit, kind=PerspectiveKind.COUNCILLORS, channel=Channel.MEMBERS, name="Councillors", created_by=by
        )
        for user in councillors:
            CouncillorRequest.objects.get_or_create(
                audit=audit,
                councillor=user,
                defaults={"asked_by": by, "asked_at": timezone.now() - timedelta(days=12), "emailed": True},
            )
        officers = self._officers(audit)
        for user in councillors:
            rng = random.Random(f"{audit.pk}|{user.username}")
            for question in self._questions(audit):
                rating = _rating(rng, officers.get(question.pk), LEANS[PerspectiveKind.COUNCILLORS][question.factor])
                PerspectiveAnswer.objects.create(
                    perspective=perspective, question=question, user=user, rating=rating, dont_know=rating is None
                )

    def _link(self, audit, by, name, kind, respondents, *, answers=True, share=1.0) -> Invitation:
        perspective = Perspective.objects.create(
            audit=audit, kind=kind, channel=Channel.LINK, name=name, respondents=respondents, created_by=by
        )
        invitation = Invitation.objects.create(
            perspective=perspective,
            token_hash=token_hash(demo_token(name)),
            expires_at=timezone.now() + timedelta(days=28),
            created_by=by,
            emailed_to=f"chair@{demo_token(name)[5:]}.example.org",
            emailed_at=timezone.now() - timedelta(days=6),
        )
        if answers:
            rng = random.Random(f"{audit.pk}|{name}")
            officers = self._officers(audit)
            for question in self._questions(audit):
                if rng.random() > share:
                    continue
                rating = _rating(rng, officers.get(question.pk), LEANS[kind][question.factor])
                PerspectiveAnswer.objects.create(
                    perspective=perspective,
                    question=question,
                    invitation=invitation,
                    rating=rating,
                    dont_know=rating is None,
                    comment=rng.choice(COMMENTS),
                    answered_at=timezone.now() - timedelta(days=rng.randint(1, 5)),
                )
            invitation.last_used_at = timezone.now() - timedelta(days=1)
            invitation.save(update_fields=["last_used_at"])
        return invitation

    def _workshop(self, audit, by, name, kind, participants):
        perspective = Perspective.objects.create(
            audit=audit, kind=kind, channel=Channel.WORKSHOP, name=name, respondents=participants, created_by=by
        )
        rng = random.Random(f"{audit.pk}|{name}")
        officers = self._officers(audit)
        for question in self._questions(audit):
            counts = [0, 0, 0, 0]
            unknown = 0
            for _ in range(participants):
                rating = _rating(rng, officers.get(question.pk), LEANS[kind][question.factor])
                if rating is None or rng.random() < 0.08:
                    unknown += 1
                else:
                    counts[rating - 1] += 1
            WorkshopTally.objects.create(
                perspective=perspective,
                question=question,
                rated_1=counts[0],
                rated_2=counts[1],
                rated_3=counts[2],
                rated_4=counts[3],
                dont_know=unknown,
                comment=rng.choice(COMMENTS),
                entered_by=by,
            )

    def _explain_all(self, audit, officer, leave: int = 0):
        """An officer's note on every divergence but the last ``leave`` (approval needs them all)."""
        compared = comparison(audit)
        questions = [row.question for row in compared.diverging_questions]
        for question in questions[: len(questions) - leave]:
            note = DivergenceNote.objects.create(
                audit=audit,
                question=question,
                covers=sorted(d.key for d in compared.divergences_of(question.pk)),
                note="Checked with the engagement team: our rating rests on the consultation register; "
                "we will test it with the group at the next forum.",
                written_by=officer,
            )
            AuditEvent.objects.create(
                audit=audit, user=officer, kind=EventKind.DIVERGENCE_NOTE, question=question, after={"note": note.note}
            )
