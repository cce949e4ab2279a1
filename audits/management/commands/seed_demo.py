"""Load the demo data: three councils, their services, users for every role, and audits
over three periods in every status. Safe to run again: what exists is left as it is."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from audits import extensions, services
from audits.factors import FACTOR_ORDER
from audits.models import (
    Answer,
    Audit,
    AuditEvent,
    AuditStatus,
    Council,
    EventKind,
    Framework,
    Membership,
    Question,
    Role,
    Service,
)

PASSWORD = "clear-demo"
PERIODS = ("2024/25", "2025/26", "2026/27")
#: The question bank of the earlier periods' audits (the current period's use the current bank).
OLDER_BANK = "CLEAR 2026.1"

COUNCILS = {
    "Ynys Môn": ["Planning", "Housing", "Parks and open spaces", "Libraries and culture"],
    "Rhondda Cynon Taf": ["Planning", "Leisure", "Waste and recycling", "Children's services"],
    "Bouches-du-Rhône": ["Culture", "Transports", "Solidarités"],
}

# username: (first name, last name, council, role)
USERS = {
    "officer": ("Siân", "Hughes", "Ynys Môn", Role.OFFICER),
    "manager": ("Gareth", "Owen", "Ynys Môn", Role.MANAGER),
    "councillor": ("Eleri", "Jones", "Ynys Môn", Role.COUNCILLOR),
    "officer2": ("Rhys", "Price", "Rhondda Cynon Taf", Role.OFFICER),
    "manager2": ("Nia", "Evans", "Rhondda Cynon Taf", Role.MANAGER),
    "officer3": ("Inès", "Mercier", "Bouches-du-Rhône", Role.OFFICER),
    "manager3": ("Benoît", "Garnier", "Bouches-du-Rhône", Role.MANAGER),
}

# A council's leaning per factor (C, L, E, A, R): what its audits tend to find.
LEANINGS = {
    "Ynys Môn": (2.1, 3.4, 2.8, 2.4, 1.9),
    "Rhondda Cynon Taf": (1.8, 3.1, 3.2, 2.6, 2.3),
    "Bouches-du-Rhône": (2.6, 2.3, 2.9, 3.1, 2.2),
}

NOTES = [
    "Resident survey 2025, questions 12–14; response rate 31%.",
    "Engagement team records for the last two consultations.",
    "Census 2021 ward profiles and the latest deprivation index.",
    "Notes from the community partnership meeting in March.",
    "Consultation register: 14 consultations this year, 3 with equality monitoring.",
    "Committee reports sampled: 6 of 10 include a consultation section.",
    "Voluntary sector directory, updated last autumn.",
    "",
]

# Status of each scope's audit per period: older periods approved, the current one mixed.
CURRENT_STATUSES = [AuditStatus.DRAFT, AuditStatus.SUBMITTED, AuditStatus.RETURNED, AuditStatus.APPROVED]


class Command(BaseCommand):
    help = "Load demo councils, users and audits (idempotent)."

    def handle(self, *args, **options):
        # Years of made-up submissions and approvals: nobody is e-mailed about them.
        with transaction.atomic(), extensions.listeners_muted():
            users = self._users()
            created = 0
            for council_name, service_names in COUNCILS.items():
                council, _ = Council.objects.get_or_create(name=council_name, defaults={"slug": slugify(council_name)})
                scopes = [None] + [
                    Service.objects.get_or_create(council=council, name=name)[0] for name in service_names
                ]
                officer = next(
                    u for n, u in users.items() if USERS[n][2] == council_name and USERS[n][3] == Role.OFFICER
                )
                manager = next(
                    u for n, u in users.items() if USERS[n][2] == council_name and USERS[n][3] == Role.MANAGER
                )
                for p_index, period in enumerate(PERIODS):
                    for s_index, service in enumerate(scopes):
                        if Audit.objects.filter(council=council, service=service, period=period).exists():
                            continue
                        if period == PERIODS[-1]:
                            status = CURRENT_STATUSES[s_index % len(CURRENT_STATUSES)]
                        elif period == PERIODS[-2] and s_index == len(scopes) - 1:
                            status = AuditStatus.RETURNED
                        else:
                            status = AuditStatus.APPROVED
                        self._audit(council, service, period, p_index, status, officer, manager)
                        created += 1
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready ({created} audits created). Password for every demo user: {PASSWORD}")
        )

    def _users(self):
        User = get_user_model()
        users = {}
        for username, (first, last, council_name, role) in USERS.items():
            user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
            user.set_password(PASSWORD)
            user.email = f"{username}@example.org"
            user.save()
            council, _ = Council.objects.get_or_create(name=council_name, defaults={"slug": slugify(council_name)})
            Membership.objects.update_or_create(user=user, council=council, defaults={"role": role})
            users[username] = user
        admin, _ = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Site", "last_name": "Administrator"},
        )
        admin.set_password(PASSWORD)
        admin.save()
        return users

    def _audit(self, council, service, period, p_index, status, officer, manager):
        rng = random.Random(f"{council.name}|{service}|{period}")
        audit = services.audit_create(user=officer, council=council, service=service, period=period)
        if period != PERIODS[-1] and (older := Framework.objects.filter(version=OLDER_BANK).first()):
            # Audits of earlier periods were answered against the bank of their time: the demo
            # shows both versions, and reports that keep their own bank's questions and interventions.
            Audit.objects.filter(pk=audit.pk).update(framework=older)
            audit.refresh_from_db()
            services.recompute_scores(audit=audit)
        questions = list(Question.objects.filter(framework=audit.framework).order_by("order"))
        # A draft of the current period is half done; everything else is complete.
        share = 0.5 if status == AuditStatus.DRAFT else 1.0
        answers = []
        for question in questions[: round(len(questions) * share)]:
            lean = LEANINGS[council.name][FACTOR_ORDER.index(question.factor)] + 0.2 * p_index
            dont_know = rng.random() < 0.08
            rating = None if dont_know else max(1, min(4, round(rng.gauss(lean, 0.7))))
            note = rng.choice(NOTES)
            answers.append(
                services.AnswerData(
                    question_id=question.pk,
                    rating=rating,
                    dont_know=dont_know,
                    confidence="" if dont_know else rng.choice(["low", "medium", "medium", "high"]),
                    evidence_notes=note,
                    evidence_links=f"https://data.example.org/{council.slug}/{question.code.lower()}"
                    if note and rng.random() < 0.5
                    else "",
                )
            )
        audit = services.answers_save(audit=audit, user=officer, answers=answers, expected_version=audit.version).audit
        if status != AuditStatus.DRAFT:
            audit = services.audit_submit(audit=audit, user=officer)
        if status == AuditStatus.RETURNED:
            audit = services.audit_return(
                audit=audit,
                user=manager,
                comment="Please add evidence for the Responded to ratings, and check RT3 against the committee reports.",
            )
        elif status == AuditStatus.APPROVED:
            audit = services.audit_approve(audit=audit, user=manager)
        # Date the audit and its history as if each step happened on its own day over the
        # period, so that the demo looks lived in: started, then one factor answered every other
        # day, submitted after three weeks, returned or approved after a few days more.
        start = timezone.now() - timedelta(days=365 * (len(PERIODS) - 1 - p_index) + rng.randint(35, 120))
        factor_of = {q.pk: q.factor for q in questions}
        in_session = Counter()
        answered_at = {}
        for data in answers:
            k = FACTOR_ORDER.index(factor_of[data.question_id])
            answered_at[data.question_id] = start + timedelta(days=1 + 2 * k, minutes=3 * in_session[k])
            in_session[k] += 1
        step_at = {
            EventKind.CREATED: start,
            EventKind.SUBMITTED: start + timedelta(days=21) if audit.submitted_at else None,
            EventKind.RETURNED: start + timedelta(days=25) if audit.returned_at else None,
            EventKind.APPROVED: start + timedelta(days=30) if audit.approved_at else None,
        }
        events = list(AuditEvent.objects.filter(audit=audit))
        for event in events:
            event.at = answered_at[event.question_id] if event.kind == EventKind.ANSWER else step_at[event.kind]
        AuditEvent.objects.bulk_update(events, ["at"])
        saved = list(Answer.objects.filter(audit=audit))
        for answer in saved:
            answer.updated_at = answered_at[answer.question_id]
        Answer.objects.bulk_update(saved, ["updated_at"])  # bulk_update leaves auto_now alone
        Audit.objects.filter(pk=audit.pk).update(
            created_at=start,
            updated_at=max(event.at for event in events),
            submitted_at=step_at[EventKind.SUBMITTED],
            returned_at=step_at[EventKind.RETURNED],
            approved_at=step_at[EventKind.APPROVED],
        )
