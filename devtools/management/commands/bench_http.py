"""Load-test the web pages over HTTP (make bench): the app under gunicorn with the settings it is
run with, driven on loopback by wrk, logged in as officers of the national data set's bench
council (30 services; ``manage.py generate_national`` makes it).

For each row: requests per second and p50 / p95 latency at ``--connections`` concurrent
connections (one per wrk thread) for ``--duration`` seconds, and its throughput as a share of a
trivial baseline page's (the about page: same middleware, a template without queries). Every
response must be the one a working page gives (200; for a save, 302 back to the step, or the
autosave's "saved" answer), or the command fails and says which statuses came back.

Saves are measured two ways:
- stress: every connection saves the same audit as the same officer (bench-officer), so the
  saves queue on that audit's row lock and run one at a time. No target: it shows that queue.
- officers: each connection is a different officer, signed in with their own session, saving
  their own draft audit, as a council's officers do: the step's form with every answer of the
  factor changed, and the autosave of one changed answer (only that answer's fields and the
  version, as static/js/autosave.js sends them, multipart). Each request changes the answers it
  carries (they alternate between two versions) and carries the audit version and the answer
  digests (``<code>-loaded``) that the officer's previous save left, as the page would.

Writes to the database, so it is meant for the throwaway database of make bench: the factor step
is saved over and over; a draft audit of the bench council is created when it has none; the
officers ``national-bench-council-officer-1`` … are created (their names start like every
generated user's, so ``generate_national --replace`` deletes them), with bench-officer's
password; and when the council has too few drafts for one per officer, bench-manager returns
submitted audits to the officers (the latest period first).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from audits import extensions, services
from audits.factors import FACTOR_SLUGS, Factor
from audits.models import (
    EDITABLE_STATUSES,
    Answer,
    Audit,
    AuditStatus,
    Council,
    Membership,
    Question,
    Role,
)
from devtools.management.commands.generate_national import BENCH_NAME
from perspectives.models import Invitation, Perspective, PerspectiveAnswer, WorkshopTally, token_hash

BENCH_SLUG = slugify(BENCH_NAME)
BENCH_USER = "bench-officer"
BENCH_MANAGER = "bench-manager"
OFFICER_PREFIX = f"{BENCH_SLUG}-officer-"  # then 1, 2, …: one officer per connection
STEP_FACTOR = Factor.CAN_DO
WRK_SCRIPT = Path(settings.BASE_DIR) / "scripts" / "wrk-stats.lua"
# wrk-stats.lua replaces these in each request's body (see there).
RATING, UNIQUE, VERSION = "__rating__", "__n__", "__version__"
EVIDENCE_NOTES = "Resident survey 2025, response rate 31%; consultation register."
EVIDENCE_URL = "https://national-bench-council.example.org/evidence/resident-survey-2025"
# The two versions of an answer (confidence, notes, links) that an officer's saves alternate
# between; the rating alternates too (see _answer_fields).
ANSWER_STATES = (
    ("medium", EVIDENCE_NOTES, EVIDENCE_URL),
    (
        "high",
        "Resident survey 2025, response rate 34% after the reminder; consultation register.",
        EVIDENCE_URL + "-final",
    ),
)
BOUNDARY = "----ClearAuditBenchFormBoundary7MA4YWxk"  # multipart, as a browser's FormData


@dataclass(frozen=True)
class Target:
    share: float  # at least this share of the baseline's requests per second
    p95_ms: float  # and p95 latency under this

    def __str__(self) -> str:
        return f"≥ {self.share:.2f}, p95 < {self.p95_ms:.0f} ms"


PAGE_TARGET = Target(0.40, 150)
BASELINE_AGAIN = "baseline again: about page"
BASELINE_DRIFT = 0.15  # more than this between the two baselines: the machine was busy
BUSY_ELSEWHERE = 0.10  # more than this share of the CPU used by other processes during a row: not reliable
STEP_SAVE_TARGET = Target(0.35, 100)
AUTOSAVE_TARGET = Target(0.45, 100)


@dataclass(frozen=True)
class Page:
    """A page loaded (or a form posted) by every connection with bench-officer's session."""

    label: str
    path: str
    method: str = "GET"
    body: str = ""  # POST only, form-encoded, with RATING and UNIQUE placeholders
    target: Target | None = PAGE_TARGET  # None: a stress figure, shown without a target
    audit_id: int | None = None  # a POST whose every request saves (a new version of this audit)
    as_manager: bool = False  # loaded with the bench council's manager's session instead

    @property
    def expected_status(self) -> int:
        return 302 if self.method == "POST" else 200


@dataclass(frozen=True)
class OfficersRow:
    """Each connection an officer of their own, saving their own audit's step."""

    label: str
    autosave: bool  # False: the step's form with every answer; True: the autosave of one answer
    target: Target
    method = "POST"

    @property
    def expected_status(self) -> int:
        return 200 if self.autosave else 302


@dataclass(frozen=True)
class Result:
    page: Page | OfficersRow
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: dict[str, int]
    unexpected: int  # responses with another status than a good one
    statuses: dict[str, int]  # … by status
    wrong: int  # the right status, but not back to the step / not "saved"
    problems: list[str] = field(default_factory=list)  # what the database shows went wrong
    elsewhere: float | None = None  # share of the machine's CPU that other processes used meanwhile

    @property
    def failed(self) -> bool:
        return bool(self.unexpected or self.wrong or any(self.errors.values()) or self.problems)


@dataclass
class _Officer:
    client: _Client
    audit: Audit
    questions: list[Question]  # the step's, in order

    @property
    def step_path(self) -> str:
        return reverse("audits:step", args=[self.audit.pk, FACTOR_SLUGS[STEP_FACTOR]])

    @property
    def autosave_path(self) -> str:
        return reverse("audits:autosave", args=[self.audit.pk, FACTOR_SLUGS[STEP_FACTOR]])


class Command(BaseCommand):
    help = (
        "Serve the app with gunicorn and load-test its pages with wrk, logged in to the national data set's "
        "bench council: requests per second and p50 / p95 latency of each page, against a trivial baseline page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
        parser.add_argument(
            "--connections",
            type=int,
            default=8,
            help="concurrent connections, and officers saving their own audits (default 8)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="gunicorn worker processes (default: one per CPU core, the fastest on a 2-core machine)",
        )
        parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (default 1)")
        parser.add_argument("--password", default="clear-bench", help=f"password of {BENCH_USER}")

    def handle(self, *args, duration, connections, workers, threads, password, **options):
        if settings.DEBUG:
            raise CommandError("Run the benchmark with DEBUG off: it measures the production configuration.")
        if min(duration, connections, threads, workers or 1) < 1:
            raise CommandError("--duration, --connections, --workers and --threads must be at least 1.")
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed (Debian package wrk: sudo apt-get install wrk).")
        council = Council.objects.filter(slug=BENCH_SLUG).first()
        if council is None:
            raise CommandError(f"No council {BENCH_SLUG!r}: run `manage.py generate_national` first.")
        User = get_user_model()
        user = User.objects.filter(username=BENCH_USER).first()
        if user is None or not Membership.objects.filter(user=user, council=council, role=Role.OFFICER).exists():
            raise CommandError(f"{BENCH_USER} is not an officer of {council}: run `manage.py generate_national`.")
        manager = User.objects.filter(username=BENCH_MANAGER, memberships__council=council).first()
        audit = _draft_audit(council, user)
        own_audits = _own_audits(council, exclude=audit, count=connections, manager=manager)
        officer_users = _bench_officers(council, user, connections)
        workers = workers or os.cpu_count() or 1

        self.stdout.write(
            f"Data set: {Council.objects.count()} councils, {Audit.objects.count()} audits, "
            f"{Answer.objects.count()} answers; logged in as {BENCH_USER} of {council} "
            f"({council.services.count()} services), and as {connections} other officers "
            f"({OFFICER_PREFIX}1 …) for the rows where each saves their own audit."
        )
        self.stdout.write(
            f"gunicorn: {workers} workers × {threads} thread{'s' if threads > 1 else ''} on {os.cpu_count()} CPU "
            f"cores; wrk: {connections} connections, {duration} s per row after a warm-up. Load average before: "
            f"{os.getloadavg()[0]:.2f}."
        )
        compared, link = _compared_audit(council, manager or user)
        rows = _rows(council, audit, connections, compared, link, _bench_plan(council, user))
        if manager is not None:  # the manager's pages, before the closing baseline
            rows.insert(
                -1, Page("review page (every answer, 1 audit)", _review_path(council, compared), as_manager=True)
            )
        # The link page's own limit (PERSPECTIVE_LINK_RATE a minute per link) would answer wrk with 429s.
        os.environ["PERSPECTIVE_LINK_RATE"] = "100000000"
        # Stopped with SIGTERM (not only Ctrl+C): leave through the `with` below, which stops gunicorn.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        with _Gunicorn(workers=workers, threads=threads) as server:
            client = _Client(server.base_url)
            client.login(BENCH_USER, password)
            manager_client = None
            if manager is not None:
                manager_client = _Client(server.base_url)
                manager_client.login(manager.username, password)

            def client_for(row):
                return manager_client if isinstance(row, Page) and row.as_manager else client

            for row in rows:
                if isinstance(row, Page):
                    client_for(row).check(row)
            officers = []
            for officer, own in zip(officer_users, own_audits, strict=True):
                officer_client = _Client(server.base_url)
                officer_client.login(officer.username, password)
                questions = Question.objects.filter(framework_id=own.framework_id, factor=STEP_FACTOR)
                officers.append(_Officer(officer_client, own, list(questions.order_by("order", "code"))))
            everyone = [audit.pk, *(own.pk for own in own_audits)]
            watch = _CpuWatch(server.process.pid)
            results = []
            for row in rows:
                results.append(
                    _measure(
                        wrk, server.base_url, row, client_for(row), officers, connections, duration, everyone, watch
                    )
                )
                if server.process.poll() is not None:
                    raise CommandError(f"gunicorn stopped during the benchmark:\n{server.log_tail()}")
            log = server.log_tail()
        self._table(results)
        failures = []
        for r in results:
            if r.unexpected or r.wrong or any(r.errors.values()):
                statuses = ", ".join(f"{n} × {status}" for status, n in sorted(r.statuses.items())) or "none"
                failures.append(
                    f"{r.page.label}: {r.unexpected} of {r.requests} responses were not {r.page.expected_status} "
                    f"(they were: {statuses}), {r.wrong} had it but not the page a save gives, socket errors {r.errors}"
                )
            failures += [f"{r.page.label}: {problem}" for problem in r.problems]
        if failures:
            raise CommandError("Some requests failed: " + "; ".join(failures) + f".\ngunicorn's log ends:\n{log}")

    def _table(self, results: list[Result]) -> None:
        baseline = results[0]
        header = f"{'row':<50} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'share':>6} {'others':>6}  target"
        self.stdout.write(header)
        self.stdout.write("-" * (len(header) + 30))
        missed = []
        for r in results:
            ratio = r.rps / baseline.rps if baseline.rps else 0.0
            target = r.page.target
            if r is baseline:
                verdict = "(baseline)"
            elif r.page.label == BASELINE_AGAIN:
                verdict = "(the baseline again, to see if the machine stayed as quiet)"
            elif target is None:
                verdict = "(stress: no target)"
            elif ratio >= target.share and r.p95_ms < target.p95_ms:
                verdict = f"{target}: ok"
            else:
                verdict = f"{target}: MISSED"
                missed.append(r.page.label)
            others = "?" if r.elsewhere is None else f"{r.elsewhere:.0%}"
            self.stdout.write(
                f"{r.page.label:<50} {r.rps:>7.1f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {ratio:>6.2f} {others:>6}  {verdict}"
            )
        self.stdout.write(
            "Share: of the baseline's requests per second in this run. "
            + (f"Missed targets: {', '.join(missed)}." if missed else "Every target is met.")
        )
        self.stdout.write(
            "Others: the share of the machine's CPU that other processes than the benchmark's (gunicorn, the "
            "database server, wrk, this command) used while the row was timed."
        )
        busy = [r.page.label for r in results if r.elsewhere is not None and r.elsewhere > BUSY_ELSEWHERE]
        if busy:
            self.stdout.write(
                f"Measured while other processes used more than {BUSY_ELSEWHERE:.0%} of the CPU, so slower than they "
                f"are: {', '.join(busy)}. Run again on a quiet machine."
            )
        again = next((r for r in results if r.page.label == BASELINE_AGAIN), None)
        if again and baseline.rps and abs(again.rps / baseline.rps - 1) > BASELINE_DRIFT:
            self.stdout.write(
                f"The baseline moved by {abs(again.rps / baseline.rps - 1):.0%} during the run: something else was "
                "using the CPU (see uptime, ps), so these shares are not reliable. Run again on a quiet machine."
            )


def _draft_audit(council: Council, user) -> Audit:
    """An editable audit of the council to save the factor step of: a service's draft if there
    is one (they have answers, like an audit being filled in), else a new one."""
    editable = Audit.objects.filter(council=council, status__in=EDITABLE_STATUSES)
    audit = editable.filter(service__isnull=False).order_by("-period", "pk").first() or editable.first()
    if audit is not None:
        return audit
    period = services.current_period()
    for service in [None, *council.services.order_by("name")]:
        if not Audit.objects.filter(council=council, service=service, period=period).exists():
            return services.audit_create(user=user, council=council, service=service, period=period)
    raise CommandError(f"{council} has no editable audit, and every scope has one for {period} already.")


def _own_audits(council: Council, *, exclude: Audit, count: int, manager) -> list[Audit]:
    """One editable audit of a service per officer, besides the stress rows' one: the council's
    drafts (and audits returned to the officers), then, when there are too few, submitted audits
    that the manager returns to the officers, as for more work. The latest period first, by service."""
    scoped = (
        Audit.objects.filter(council=council, service__isnull=False)
        .exclude(pk=exclude.pk)
        .order_by("-period", "service__name", "pk")
    )
    audits = list(scoped.filter(status__in=EDITABLE_STATUSES)[:count])
    if len(audits) < count and manager is not None:
        for submitted in scoped.filter(status=AuditStatus.SUBMITTED)[: count - len(audits)]:
            with extensions.listeners_muted():  # no e-mail to the bench's made-up officers
                audits.append(
                    services.audit_return(
                        audit=submitted,
                        user=manager,
                        comment="Returned for more work (make bench: an officer saves it under load).",
                    )
                )
    if len(audits) < count:
        raise CommandError(
            f"{council} has only {len(audits)} audits its officers can edit besides audit {exclude.pk}, "
            f"and {count} are needed (one per connection): ask for fewer --connections."
        )
    return audits


def _bench_officers(council: Council, like, count: int) -> list:
    """``count`` officers of the council with the password of ``like``, made the first time."""
    User = get_user_model()
    officers = []
    for n in range(1, count + 1):
        username = f"{OFFICER_PREFIX}{n}"
        officer, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": "Bench",
                "last_name": f"Officer {n}",
                "email": f"{username}@example.org",
                "password": like.password,
            },
        )
        if not created and officer.password != like.password:
            officer.password = like.password
            officer.save(update_fields=["password"])
        Membership.objects.update_or_create(user=officer, council=council, defaults={"role": Role.OFFICER})
        officers.append(officer)
    return officers


#: The bench's invitation link (its token is stored hashed, like any other).
BENCH_LINK = "bench-invitation-link-not-secret"


def _review_path(council: Council, fallback: Audit) -> str:
    """A submitted audit's review page (every answer of the audit, and the decision form); the
    approved audit's when none waits for review (the page is the same but for the form)."""
    waiting = Audit.objects.filter(council=council, status=AuditStatus.SUBMITTED).order_by("-period", "pk").first()
    return reverse("audits:review", args=[(waiting or fallback).pk])


def _compared_audit(council: Council, by) -> tuple[Audit, str]:
    """An approved audit of the council with other perspectives beside the officers': five
    councillors, three invited organisations and two workshops, each answering every question.
    Made the first time; the link of one organisation, reopened, for the link page's row."""
    audit = Audit.objects.approved().filter(council=council).order_by("-period", "service__name").first()
    if audit is None:
        raise CommandError(f"{council} has no approved audit to compare perspectives on: run `generate_national`.")
    questions = list(Question.objects.filter(framework_id=audit.framework_id))
    officers = dict(Answer.objects.filter(audit=audit).values_list("question_id", "rating"))
    rng = random.Random(audit.pk)

    def rating(question):
        return max(1, min(4, (officers.get(question.pk) or 2) + rng.choice([-2, -1, 0, 0, 1])))

    if not Perspective.objects.filter(audit=audit).exists():
        with transaction.atomic():
            councillors = Perspective.objects.create(
                audit=audit, kind="councillors", channel="members", name="Councillors", created_by=by
            )
            User = get_user_model()
            for n in range(1, 6):
                user, _ = User.objects.get_or_create(username=f"bench-councillor-{n}")
                Membership.objects.get_or_create(user=user, council=council, defaults={"role": Role.COUNCILLOR})
                PerspectiveAnswer.objects.bulk_create(
                    PerspectiveAnswer(perspective=councillors, question=q, user=user, rating=rating(q))
                    for q in questions
                )
            for n in range(1, 4):
                link = Perspective.objects.create(
                    audit=audit, kind="community", channel="link", name=f"Bench organisation {n}", created_by=by
                )
                invitation = Invitation.objects.create(
                    perspective=link,
                    token_hash=token_hash(f"{BENCH_LINK}-{n}"),
                    expires_at=timezone.now() + timedelta(days=365),
                    created_by=by,
                )
                PerspectiveAnswer.objects.bulk_create(
                    PerspectiveAnswer(
                        perspective=link,
                        question=q,
                        invitation=invitation,
                        rating=rating(q),
                        comment="Seen at the forum",
                    )
                    for q in questions
                )
            for n in range(1, 3):
                workshop = Perspective.objects.create(
                    audit=audit,
                    kind="residents",
                    channel="workshop",
                    name=f"Bench panel {n}",
                    respondents=12,
                    created_by=by,
                )
                WorkshopTally.objects.bulk_create(
                    WorkshopTally(perspective=workshop, question=q, rated_2=4, rated_3=6, rated_4=2, entered_by=by)
                    for q in questions
                )
    # The link page answers only while its audit takes answers: a copy of the audit's link on
    # an open audit of the council (a draft), answered already, is what a respondent reopens.
    draft = Audit.objects.filter(council=council, status__in=EDITABLE_STATUSES).order_by("-period", "pk").first()
    if draft is None:
        raise CommandError(f"{council} has no draft audit for the invitation link's row.")
    if not Invitation.objects.filter(token_hash=token_hash(BENCH_LINK)).exists():
        with transaction.atomic():
            link = Perspective.objects.create(
                audit=draft, kind="community", channel="link", name="Bench respondent", created_by=by
            )
            invitation = Invitation.objects.create(
                perspective=link,
                token_hash=token_hash(BENCH_LINK),
                expires_at=timezone.now() + timedelta(days=3650),
                created_by=by,
            )
            PerspectiveAnswer.objects.bulk_create(
                PerspectiveAnswer(perspective=link, question=q, invitation=invitation, rating=2, comment="Seen")
                for q in Question.objects.filter(framework_id=draft.framework_id)
            )
    return audit, BENCH_LINK


#: Actions the bench's council plans (made once), all owned by the bench officer.
BENCH_ACTIONS = 80


def _bench_plan(council: Council, owner) -> int:
    """BENCH_ACTIONS actions over the council's approved audits, each aimed at two questions,
    with a progress note; made the first time."""
    from actions.models import Action, ActionStatus, ProgressNote

    if not Action.objects.filter(council=council).exists():
        audits = list(Audit.objects.approved().filter(council=council).order_by("period", "pk"))
        if not audits:
            raise CommandError(f"{council} has no approved audit to plan actions from: run `generate_national`.")
        statuses = ActionStatus.values
        today = timezone.localdate()
        with transaction.atomic():
            for n in range(BENCH_ACTIONS):
                audit = audits[n % len(audits)]
                questions = list(
                    Question.objects.filter(framework_id=audit.framework_id).order_by("order")[n % 20 :][:2]
                )
                action = Action.objects.create(
                    council=council,
                    service_id=audit.service_id,
                    audit=audit,
                    factor=questions[0].factor,
                    title=f"Bench action {n}",
                    own_intervention="Bench intervention",
                    owner=owner,
                    start=today - timedelta(days=60),
                    due=today + timedelta(days=n - 20),
                    status=statuses[n % len(statuses)],
                    dropped_reason="Bench" if statuses[n % len(statuses)] == "dropped" else "",
                    closed_at=timezone.now() if statuses[n % len(statuses)] in ("done", "dropped") else None,
                    created_by=owner,
                )
                action.questions.set(questions)
                ProgressNote.objects.create(action=action, text="Bench progress", author=owner)
    return Action.objects.filter(council=council).count()


def _rows(
    council: Council, audit: Audit, connections: int, compared: Audit, link: str, actions: int
) -> list[Page | OfficersRow]:
    step = reverse("audits:step", args=[audit.pk, FACTOR_SLUGS[STEP_FACTOR]])
    fields: list[tuple[str, str]] = [("version", str(audit.version)), ("next", "stay")]
    questions = list(
        Question.objects.filter(framework_id=audit.framework_id, factor=STEP_FACTOR).order_by("order", "code")
    )
    for q in questions:
        # No "<code>-loaded" field (the digest of the answer as the page loaded it): a save that
        # does not say what it loaded is checked by version, where the same officer's saves are
        # never conflicts, so that all the connections can save one audit at once.
        fields += [
            (f"{q.code}-rating", RATING),
            (f"{q.code}-confidence", "medium"),
            (f"{q.code}-evidence_notes", f"{EVIDENCE_NOTES} ({UNIQUE})"),
            (f"{q.code}-evidence_links", ""),
        ]
    saves = urllib.parse.urlencode(fields)
    # The same form posted again unchanged: everything a save does except the writes.
    same = urllib.parse.urlencode(
        [(name, "2" if value == RATING else EVIDENCE_NOTES if UNIQUE in value else value) for name, value in fields]
    )
    label, n = STEP_FACTOR.label, connections
    return [
        Page("baseline: about page", reverse("audits:about")),
        Page("audit list", reverse("audits:list")),
        Page(f"{label} step (GET)", step),
        Page(f"stress: {label} step POST, 1 audit × {n}, saves", step, "POST", saves, None, audit.pk),
        Page(f"stress: {label} step POST, 1 audit × {n}, no change", step, "POST", same, None),
        OfficersRow(f"{label} step POST, {n} officers × own audit, {len(questions)} answers", False, STEP_SAVE_TARGET),
        OfficersRow(f"autosave, {n} officers × own audit, 1 answer", True, AUTOSAVE_TARGET),
        Page("council dashboard", reverse("audits:dashboard", args=[council.slug])),
        Page("scoring method page", reverse("audits:method")),
        Page("council reports page", reverse("audits:council-reports", args=[council.slug])),
        Page("perspectives comparison (10 perspectives)", reverse("perspectives:overview", args=[compared.pk])),
        Page("invitation link page (questions, answered)", reverse("perspectives:respond", args=[link])),
        Page(f"council action plan ({actions} actions, 25 a page)", reverse("actions:plan", args=[council.slug])),
        Page(f"my actions ({actions} owned, 25 a page)", reverse("actions:mine")),
        # Again at the end: a busy machine (other processes) shows as two different baselines.
        Page(BASELINE_AGAIN, reverse("audits:about"), target=None),
    ]


def _measure(wrk, base_url, row, client, officers, connections, duration, everyone: list[int], watch) -> Result:
    """A warm-up, then the timed run; then what the database says the saves did. ``everyone``:
    every audit that the rows save; ``watch``: a _CpuWatch."""
    if isinstance(row, OfficersRow):
        audit_ids = [o.audit.pk for o in officers]
        others = _answers_not_carried(officers) if row.autosave else None

        def plans():
            return [_officer_plan(o, row) for o in officers]
    else:
        audit_ids = [row.audit_id] if row.audit_id else []
        others = None

        def plans():
            return [client.plan(row)]

    _wrk(wrk, base_url, plans(), connections, min(duration, 2))  # warm-up
    _settle(everyone)
    timed = plans()
    before = _versions(audit_ids)
    watch.start()
    data = _wrk(wrk, base_url, timed, connections, duration)
    elsewhere = watch.stop()
    _settle(everyone)
    after = _versions(audit_ids)
    problems = []
    good = data["requests"] - data["unexpected"] - data["wrong"]
    if audit_ids and after - before < good:
        problems.append(f"{good} saves answered as saved, but the audits moved on only {after - before} versions")
    if others is not None and _answers_not_carried(officers) != others:
        problems.append(
            "answers that the autosave did not carry changed: the server does not yet save only the answers a "
            "request carries, so this row measured something else than it says"
        )
    return Result(
        page=row,
        rps=data["rps"],
        p50_ms=data["p50_ms"],
        p95_ms=data["p95_ms"],
        requests=data["requests"],
        errors=data["errors"],
        unexpected=data["unexpected"],
        statuses=data["statuses"],
        wrong=data["wrong"],
        problems=problems,
        elsewhere=elsewhere,
    )


def _settle(audit_ids: list[int], quiet: float = 0.5, timeout: float = 30) -> None:
    """Wait for the saves that were still queued in the server when wrk stopped (its connections
    close, but gunicorn still reads and runs what they sent): until the audits' versions stay
    still for ``quiet`` seconds. So the next row starts from what the last one left."""
    last, still_since, deadline = _versions(audit_ids), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - still_since < quiet and time.monotonic() < deadline:
        time.sleep(0.1)
        now = _versions(audit_ids)
        if now != last:
            last, still_since = now, time.monotonic()


def _versions(audit_ids: list[int]) -> int:
    return sum(Audit.objects.filter(pk__in=audit_ids).values_list("version", flat=True))


def _answers_not_carried(officers: list[_Officer]) -> list[tuple]:
    """The step's answers that the autosave row does not carry (all but the first), as saved."""
    rows = []
    for officer in officers:
        others = [q.pk for q in officer.questions[1:]]
        rows += (
            Answer.objects.filter(audit=officer.audit, question_id__in=others)
            .order_by("question_id")
            .values_list(
                "question_id", "rating", "dont_know", "confidence", "evidence_notes", "evidence_links", "audit_version"
            )
        )
    return rows


def _answer_fields(question: Question, index: int, state: int, loaded: str) -> list[tuple[str, str]]:
    """One answer's fields in one of its two states, in the order of the step's form."""
    confidence, notes, links = ANSWER_STATES[state]
    code = question.code
    return [
        (f"{code}-loaded", loaded),
        (f"{code}-rating", str((index + 2 * state) % 4 + 1)),
        (f"{code}-evidence_notes", notes),
        (f"{code}-evidence_links", links),
        (f"{code}-confidence", confidence),
    ]


def _officer_body(officer: _Officer, row: OfficersRow, state: int, version: str, loaded: dict[str, str]) -> str:
    """What the officer's browser sends to save the step (every answer, form-encoded as the form
    posts) or to autosave one answer (its fields and the version, multipart as a FormData)."""
    questions = officer.questions[:1] if row.autosave else officer.questions
    fields = [("csrfmiddlewaretoken", officer.client.cookie("csrftoken")), ("version", version)]
    for index, q in enumerate(questions):
        fields += _answer_fields(q, index, state, loaded[q.code])
    if not row.autosave:
        return urllib.parse.urlencode([*fields, ("next", "stay")])
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in fields
    ]
    return "".join(parts) + f"--{BOUNDARY}--\r\n"


def _officer_plan(officer: _Officer, row: OfficersRow) -> dict:
    """Save the officer's answers once in each of their two states, through the app as their
    browser would, to learn each state's digests; then wrk's plan for their connection, which
    goes on alternating: each request changes the answers it carries, with the version and the
    digests that the previous save left."""
    path = officer.autosave_path if row.autosave else officer.step_path
    codes = [q.code for q in (officer.questions[:1] if row.autosave else officer.questions)]
    headers = {
        "Cookie": f"sessionid={officer.client.cookie('sessionid')}; csrftoken={officer.client.cookie('csrftoken')}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"
        if row.autosave
        else "application/x-www-form-urlencoded",
    }
    if row.autosave:
        headers["Accept"] = "application/json"
    expect = {"expect": row.expected_status}
    expect |= {"contains": '"saved": true'} if row.autosave else {"location": officer.step_path}
    version, loaded = officer.client.step_state(officer.step_path, codes)
    digests = []
    for state in (0, 1):
        body = _officer_body(officer, row, state, str(version), loaded)
        officer.client.expect(row.label, path, body, headers, **expect)
        new_version, loaded = officer.client.step_state(officer.step_path, codes)
        if state == 1 and new_version != version + 1:
            raise CommandError(f"{row.label}: a save on audit {officer.audit.pk} did not make a new version.")
        version = new_version
        digests.append(loaded)
    if digests[0] == digests[1]:
        raise CommandError(f"{row.label}: the step page gives the same digests to different answers.")
    return {
        "method": "POST",
        "path": path,
        "headers": headers,
        # The first request puts back state 0, over state 1 as saved last.
        "bodies": [
            _officer_body(officer, row, 0, VERSION, digests[1]),
            _officer_body(officer, row, 1, VERSION, digests[0]),
        ],
        "version": version,
        **expect,
    }


class _Gunicorn:
    """The app under gunicorn on a free loopback port, with this process's environment; stopped
    on leaving the ``with`` block, whatever happened inside it."""

    def __init__(self, *, workers: int, threads: int):
        self.workers, self.threads = workers, threads
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115

    def __enter__(self) -> _Gunicorn:
        env = {k: v for k, v in os.environ.items() if k != "CLEARAUDIT_COMMAND"}
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "clearaudit.wsgi",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--worker-tmp-dir=/dev/shm",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn did not start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + reverse("login"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) or "(gunicorn wrote nothing)"


class _CpuWatch:
    """How much of the machine's CPU went to other processes than the benchmark's own (this
    command and its wrk runs, gunicorn, the database server) while a row was timed: on a shared
    machine, a row measured while something else ran comes out slower than it is. Linux only,
    and only with the database server on this machine (else nothing is known: None).

    Sampled every SAMPLE_SECONDS, by process, so that a database connection that ends meanwhile
    (CONN_MAX_AGE) takes at most one interval of its work with it."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    SAMPLE_SECONDS = 0.25

    def __init__(self, gunicorn_pid: int):
        self.gunicorn_pid = gunicorn_pid
        self.postmaster_pid = _postmaster_pid()
        self.cores = os.cpu_count() or 1

    def _sample(self) -> tuple | None:
        """(CPU ticks used on the machine, this command's, ours by process, when)."""
        if self.postmaster_pid is None:
            return None
        try:
            values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        except (OSError, ValueError):
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = values
        pids = [self.gunicorn_pid, *_children(self.gunicorn_pid), self.postmaster_pid, *_children(self.postmaster_pid)]
        mine = os.times()  # this command, and the wrk runs it has waited for
        return (
            user + nice + system + irq + softirq + steal,
            (mine.user + mine.system + mine.children_user + mine.children_system) * self.TICK,
            {pid: _cpu_ticks(pid) for pid in pids},
            time.monotonic(),
        )

    def _add(self) -> None:
        now = self._sample()
        if now is None or self._last is None:
            self._last = None
            return
        # A process that started meanwhile counts from nothing; one that ended, until the last sample.
        self._ours += now[1] - self._last[1] + sum(t - self._last[2].get(pid, 0) for pid, t in now[2].items())
        self._last = now

    def start(self) -> None:
        self._first = self._last = self._sample()
        self._ours = 0.0
        self._stop = threading.Event()

        def sample():
            while not self._stop.wait(self.SAMPLE_SECONDS):
                self._add()

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()

    def stop(self) -> float | None:
        """The share of all the cores that other processes used since start()."""
        self._stop.set()
        self._thread.join()
        self._add()
        first, last = self._first, self._last
        if first is None or last is None or last[3] <= first[3]:
            return None
        others = last[0] - first[0] - self._ours
        return max(0.0, others / (self.TICK * (last[3] - first[3]) * self.cores))


def _postmaster_pid() -> int | None:
    """The database server's main process, when it runs on this machine and its pid file is readable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('data_directory')")
            data_directory = cursor.fetchone()[0]
        pid = int(Path(data_directory, "postmaster.pid").read_text().split()[0])
    except (DatabaseError, OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                pass  # gone meanwhile
    return found


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of a process (all its threads), in clock ticks; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # hand the 3xx response back instead of following it


class _Client:
    """A signed-in browser session over urllib: checks each row before it is loaded, and
    prepares the officers' saves."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, method: str, path: str, body: str | None = None, headers=None) -> tuple[int, dict, str]:
        request = urllib.request.Request(
            self.base_url + path,
            data=body.encode() if body is not None else None,
            method=method,
            headers=headers or {},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
            with exc:
                return exc.code, dict(exc.headers), exc.read().decode(errors="replace")

    def cookie(self, name: str) -> str:
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie.value
        raise CommandError(f"No {name} cookie from the app.")

    def login(self, username: str, password: str) -> None:
        login_path = reverse("login")
        status, _, page = self.request("GET", login_path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise CommandError(f"GET {login_path}: status {status}, no sign-in form.")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
        status, headers, _ = self.request(
            "POST",
            login_path,
            urllib.parse.urlencode(form),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or headers.get("Location", "").startswith(login_path):
            raise CommandError(
                f"Could not sign in as {username} (status {status}): wrong --password? "
                "(Failed sign-ins count towards django-axes's lockout.)"
            )

    def headers(self) -> dict[str, str]:
        """What wrk sends with every request of a Page: the session, and the CSRF token for POSTs."""
        csrf = self.cookie("csrftoken")
        return {
            "Cookie": f"sessionid={self.cookie('sessionid')}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def plan(self, page: Page) -> dict:
        """wrk's plan for every connection of a Page (see wrk-stats.lua)."""
        headers = self.headers()
        if page.method == "GET":
            del headers["Content-Type"], headers["X-CSRFToken"]
            return {"method": "GET", "path": page.path, "headers": headers, "expect": 200}
        return {
            "method": "POST",
            "path": page.path,
            "headers": headers,
            "bodies": [page.body],
            "expect": page.expected_status,
            "location": page.path,
        }

    def check(self, page: Page) -> None:
        """One request as wrk will make it: the right status, signed in, the right place."""
        body = page.body.replace(RATING, "1").replace(UNIQUE, "check") if page.method == "POST" else None
        status, headers, text = self.request(page.method, page.path, body, self.headers() if body else None)
        location = headers.get("Location", "")
        problem = None
        if status != page.expected_status:
            problem = f"status {status}, not {page.expected_status}" + (f" (to {location})" if location else "")
        elif page.method == "POST" and location != page.path:
            problem = f"redirected to {location}, not back to the step: the answers were not saved"
        elif page.method == "GET" and 'name="password"' in text:
            problem = "the sign-in page, not the page"
        if problem:
            raise CommandError(f"{page.label}: {page.method} {page.path} gave {problem}.")

    def step_state(self, path: str, codes: list[str]) -> tuple[int, dict[str, str]]:
        """The audit version and the answers' digests that the step page gives, as the browser sees them."""
        status, _, page = self.request("GET", path)
        version = re.search(r'name="version" value="(\d+)"', page)
        loaded = {code: re.search(rf'name="{re.escape(code)}-loaded" value="([^"]*)"', page) for code in codes}
        if status != 200 or version is None or not all(loaded.values()):
            raise CommandError(f"GET {path}: status {status}, not the step's form with its answers.")
        return int(version[1]), {code: match[1] for code, match in loaded.items()}

    def expect(self, label, path, body, headers, *, expect: int, location=None, contains=None) -> None:
        """POST as wrk will, and refuse anything but the response of a save."""
        status, response_headers, text = self.request("POST", path, body, headers)
        if (
            status != expect
            or (location and response_headers.get("Location") != location)
            or (contains and contains not in text)
        ):
            where = response_headers.get("Location", "")
            raise CommandError(
                f"{label}: POST {path} gave status {status}"
                + (f" (to {where})" if where else "")
                + f", not a save ({expect}): {text[:300]!r}"
            )


def _lua(value) -> str:
    """A Lua literal of a plan (strings byte by byte, so any text goes through unchanged)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return (
            '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in value.encode()) + '"'
        )
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items() if v is not None) + "}"
    raise TypeError(f"no Lua literal for {value!r}")


def _wrk(wrk: str, base_url: str, plans: list[dict], connections: int, duration: int) -> dict:
    """One wrk run: ``connections`` threads of one connection each, thread k following plans[k]."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-plan-", suffix=".lua", encoding="ascii") as plan_file:
        plan_file.write("return " + _lua(plans) + "\n")
        plan_file.flush()
        command = [
            wrk,
            f"-t{connections}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout=30s",
            "--latency",
            "-s",
            str(WRK_SCRIPT),
            base_url + plans[0]["path"],
            "--",
            plan_file.name,
            str(time.time_ns()),
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
    stats = next((line for line in run.stdout.splitlines() if line.startswith("wrk-stats ")), None)
    if run.returncode != 0 or stats is None:
        raise CommandError(f"wrk failed on {plans[0]['path']} (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    return json.loads(stats.removeprefix("wrk-stats "))
