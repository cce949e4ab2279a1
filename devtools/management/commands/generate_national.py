"""Generate a national data set: 400 invented councils, 20 to 30 services each, and ten years of
completed audits of every service, for load tests, the dashboard's benchmark and demos at scale.

Separate from ``seed_demo``: every council it makes has a slug starting ``national-``, which is
how a later run finds them (``--replace`` deletes them, their audits and their users first).
One of them, "National Bench Council", has 30 services and three users with a known password.

How the numbers are made (all from ``--seed``, so a seed always gives the same data set):
- each council has a leaning per factor, each service its own on top, and each service's level
  moves year to year by a small random walk around a gentle national improvement;
- each answer's rating (1–4) is drawn around its factor's level, give or take the question's
  difficulty; a few percent are "don't know"; most cite evidence notes, some links too;
- every period is approved except the latest: 70% approved, 20% submitted, 10% draft;
- factor scores are computed by ``audits.scoring``, exactly as ``services.recompute_scores``
  would store them, but in Python, and written in bulk (COPY on PostgreSQL).
"""

from __future__ import annotations

import io
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.text import slugify

from audits import scoring, selectors
from audits.factors import FACTOR_ORDER, Factor
from audits.models import (
    Answer,
    Audit,
    AuditEvent,
    AuditStatus,
    Council,
    EventKind,
    FactorScore,
    Framework,
    Membership,
    Role,
    Service,
)

#: Every generated council's slug starts with this, and so does the username of each of their
#: users (``<council slug>-officer`` and ``-manager``), the bench council's users aside.
SLUG_PREFIX = "national-"
BENCH_NAME = "National Bench Council"
BENCH_SERVICES = 30
BENCH_USERS = {
    "bench-officer": ("Bench", "Officer", Role.OFFICER),
    "bench-manager": ("Bench", "Manager", Role.MANAGER),
    "bench-councillor": ("Bench", "Councillor", Role.COUNCILLOR),
}
LAST_YEAR = 2026  # the latest period is 2026/27, the one still in progress
LATEST_STATUSES = ((0.7, AuditStatus.APPROVED), (0.9, AuditStatus.SUBMITTED), (1.0, AuditStatus.DRAFT))
BATCH_SIZE = 2000  # rows per INSERT where COPY is not available

SERVICE_NAMES = (
    "Planning",
    "Housing",
    "Homelessness",
    "Parks and open spaces",
    "Libraries",
    "Waste and recycling",
    "Street cleaning",
    "Adult social care",
    "Children's services",
    "Early years",
    "Youth services",
    "Education and schools",
    "Special educational needs",
    "Public health",
    "Leisure and sport",
    "Highways and transport",
    "Parking",
    "Environmental health",
    "Trading standards",
    "Licensing",
    "Building control",
    "Economic development",
    "Regeneration",
    "Skills and employment",
    "Tourism",
    "Culture and heritage",
    "Museums and archives",
    "Council tax and benefits",
    "Community safety",
    "Registration services",
    "Bereavement services",
    "Climate and sustainability",
    "Flood and coastal management",
    "Customer services",
    "Electoral services",
    "Democratic services",
    "Equalities",
    "Voluntary sector grants",
    "Community centres",
    "Markets",
    "Digital inclusion",
    "Emergency planning",
)

# Place names are invented from these parts (two or three of them), so that no generated name
# is meant to be a real council's.
PLACE_STARTS = (
    "Brin", "Cael", "Carn", "Corv", "Cresk", "Dorv", "Drem", "Eld", "Farr", "Gelt", "Gorm",
    "Harn", "Hask", "Ilm", "Jorv", "Kel", "Lorn", "Mald", "Nesk", "Orm", "Pell", "Quen", "Rask",
    "Stav", "Tarn", "Thel", "Ulv", "Vard", "Wend", "Yarn", "Zel",
)  # fmt: skip
PLACE_MIDDLES = ("", "", "", "a", "e", "in", "er", "ing", "les", "ham")
PLACE_ENDS = (
    "bury", "by", "combe", "dale", "den", "field", "ford", "gate", "holm", "holt", "ley",
    "mere", "minster", "moor", "mouth", "stead", "stow", "thorpe", "ton", "well", "wick", "worth",
)  # fmt: skip
COUNCIL_KINDS = (
    (0.45, "District Council"),
    (0.70, "Borough Council"),
    (0.82, "Council"),
    (0.90, "City Council"),
    (0.96, "County Council"),
    (1.00, "Metropolitan Borough Council"),
)
FIRST_NAMES = ("Alex", "Amira", "Ben", "Ceri", "Dev", "Eilidh", "Femi", "Grace", "Hamza", "Iona", "Jo", "Kiran")
LAST_NAMES = ("Adebayo", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Khan", "Morgan", "Patel", "Walsh")

# The latent model. Levels are on the 1–4 rating scale.
FACTOR_BASE = {
    Factor.CAN_DO: 2.5,
    Factor.LIKE_TO: 2.7,
    Factor.ENABLED_TO: 2.55,
    Factor.ASKED_TO: 2.35,
    Factor.RESPONDED_TO: 2.1,
}
TREND_PER_YEAR = 0.035  # a gentle national improvement
COUNCIL_SPREAD = 0.3  # how far a council's leaning strays from the national level
SERVICE_SPREAD = 0.25  # and a service's from its council's
WALK_STEP = 0.12  # year-to-year change of a service's level
QUESTION_SPREAD = 0.2  # some questions are harder than others
RATING_SPREAD = 0.6  # answers scatter around the level
DONT_KNOW_SHARE = 0.03

EVIDENCE_SOURCES = {
    Factor.CAN_DO: (
        "Census 2021 ward profiles",
        "Index of Multiple Deprivation",
        "Resident survey",
        "Digital inclusion mapping",
        "Equality impact assessments",
        "Accessibility audit of meeting venues",
        "Community languages register",
    ),
    Factor.LIKE_TO: (
        "Resident survey",
        "Place survey",
        "Community cohesion report",
        "Neighbourhood forum minutes",
        "Electoral register turnover figures",
        "Focus groups with new residents",
    ),
    Factor.ENABLED_TO: (
        "Voluntary sector directory",
        "CVS annual report",
        "Community grants register",
        "Community asset transfer register",
        "Map of tenants' and residents' associations",
        "Partnership board minutes",
    ),
    Factor.ASKED_TO: (
        "Consultation register",
        "Engagement strategy",
        "Citizens' panel records",
        "Youth council minutes",
        "Participatory budgeting evaluation",
        "Engagement team records",
    ),
    Factor.RESPONDED_TO: (
        "Sample of committee reports",
        "'You said, we did' page",
        "Cabinet decision notices",
        "Scrutiny committee minutes",
        "Budget consultation feedback report",
        "Complaints and feedback log",
    ),
}
EVIDENCE_DETAILS = (
    "response rate {pct}%",
    "covers {n} of {m} wards",
    "{n} consultations this year",
    "{n} of {m} sampled reports say what changed",
    "checked with the service manager",
    "figures compared with the year before",
    "gaps noted for young people and private renters",
    "reviewed by the engagement team in {month}",
    "see appendix {letter} of the self-assessment",
    "",
)
DONT_KNOW_NOTES = (
    "No data held on this yet.",
    "Not covered by the resident survey; to add next year.",
    "Asked the service team; no records kept.",
)
LINK_PATHS = (
    "consultations/{year}/summary",
    "committee/reports/{year}",
    "documents/engagement-strategy-{year}.pdf",
    "data/resident-survey-{year}",
    "you-said-we-did",
    "community-directory",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "September", "October", "November")


class Command(BaseCommand):
    help = (
        "Generate a national data set of invented councils (slugs starting national-) with years of "
        "complete audits, for load tests and benchmarks. Refuses when one exists, unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--councils", type=int, default=400, help="councils, the bench council included")
        parser.add_argument("--years", type=int, default=10, help="periods, the latest being 2026/27")
        parser.add_argument("--seed", type=int, default=2017, help="the same seed gives the same data set")
        parser.add_argument("--min-services", type=int, default=20, help="fewest services of a council")
        parser.add_argument(
            "--max-services",
            type=int,
            default=29,
            help=f"most services of a council (the bench council has {BENCH_SERVICES})",
        )
        parser.add_argument("--password", default="clear-bench", help="password of every generated user")
        parser.add_argument("--replace", action="store_true", help="delete a previously generated data set first")

    def handle(self, *args, councils, years, seed, min_services, max_services, password, replace, **options):
        if councils < 1:
            raise CommandError("--councils must be at least 1.")
        if not 1 <= years <= LAST_YEAR - 2000 + 1:
            raise CommandError(f"--years must be 1 to {LAST_YEAR - 2000 + 1}.")
        if not 1 <= min_services <= max_services < BENCH_SERVICES:
            raise CommandError(
                f"Need 1 <= --min-services <= --max-services < {BENCH_SERVICES} "
                f"(only the bench council has {BENCH_SERVICES} services)."
            )
        framework = Framework.objects.filter(is_current=True).first()
        if framework is None:
            raise CommandError("No current question bank: run `manage.py migrate` first.")
        questions = list(framework.questions.order_by("order", "code"))

        started = time.monotonic()
        existing = Council.objects.filter(slug__startswith=SLUG_PREFIX)
        if existing.exists() and not replace:
            raise CommandError(
                f"A generated data set is already here ({existing.count()} councils with slugs starting "
                f"{SLUG_PREFIX!r}, e.g. {existing.first().name}). Run with --replace to delete it and generate a new one."
            )
        if existing.exists():
            self._delete_generated()

        rng = random.Random(seed)
        plans = _plan_councils(rng, councils, min_services, max_services)
        years_list = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
        users = _ensure_users(plans, make_password(password))  # one hash for all: Argon2 takes a while
        world = _World(rng, seed, questions, framework.pk, years_list)
        writer = _CopyWriter() if connection.vendor == "postgresql" else _BulkWriter()

        totals = Counter()
        progress = _Progress(len(plans), self.stderr)
        for index, plan in enumerate(plans):
            with transaction.atomic():
                totals.update(world.council(index, plan, users, writer))
            progress.update(index + 1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                tables = [
                    m._meta.db_table for m in (Council, Service, Membership, Audit, Answer, FactorScore, AuditEvent)
                ]
                cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))

        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {totals['councils']} councils, {totals['services']} services, {len(users)} users, "
                f"{totals['audits']} audits, {totals['answers']} answers, {totals['scores']} factor scores and "
                f"{totals['events']} history events in {_duration(elapsed)}."
            )
        )
        self.stdout.write(
            f"Bench council: /councils/{slugify(BENCH_NAME)}/dashboard/ — users {', '.join(BENCH_USERS)}; "
            f"every generated user's password is {password!r}."
        )

    def _delete_generated(self) -> None:
        """Delete the generated councils with everything in them, and their users: children first,
        since audits protect their council, services and users."""
        generated = Council.objects.filter(slug__startswith=SLUG_PREFIX)
        ours = Q(user__username__startswith=SLUG_PREFIX) | Q(user__username__in=BENCH_USERS)
        strangers = Membership.objects.filter(council__in=generated).exclude(ours).select_related("user", "council")
        if stranger := strangers.first():
            raise CommandError(
                f"{stranger.council} (slug {stranger.council.slug}) has a member this command did not create "
                f"({stranger.user}): it may not be generated data, so nothing was deleted. Remove that membership "
                f"or change the council's slug, then run again."
            )
        User = get_user_model()
        with transaction.atomic():
            members = Membership.objects.filter(council__in=generated).filter(ours).values("user_id")
            elsewhere = Membership.objects.exclude(council__in=generated).values("user_id")
            users = User.objects.filter(pk__in=members).exclude(pk__in=elsewhere)
            user_ids = list(users.values_list("pk", flat=True))
            audits = Audit.objects.filter(council__in=generated)
            for model in (AuditEvent, FactorScore, Answer):
                model.objects.filter(audit__in=audits).delete()
            n_audits, _ = audits.delete()
            Membership.objects.filter(council__in=generated).delete()
            Service.objects.filter(council__in=generated).delete()
            n_councils = generated.count()
            generated.delete()
            User.objects.filter(pk__in=user_ids).delete()
        self.stdout.write(
            f"Deleted the previous national data set: {n_councils} councils, {n_audits} audits, {len(user_ids)} users."
        )


# --- What to generate ---------------------------------------------------------------------------


def _plan_councils(rng: random.Random, count: int, min_services: int, max_services: int) -> list[dict]:
    """Names, slugs, services and users of each council; the bench council comes first."""
    taken = set(Council.objects.values_list("name", flat=True))
    places: set[str] = set()
    plans = [_council_plan(BENCH_NAME, rng.sample(SERVICE_NAMES, BENCH_SERVICES), True, bench=True)]
    attempts = 0
    while len(plans) < count:
        attempts += 1
        if attempts > 100 * count:
            raise CommandError(f"Could not invent {count} different council names; ask for fewer.")
        place = rng.choice(PLACE_STARTS) + rng.choice(PLACE_MIDDLES) + rng.choice(PLACE_ENDS)
        roll = rng.random()
        kind = next(label for upper, label in COUNCIL_KINDS if roll < upper)
        name = f"{place} {kind}"
        if place in places or name in taken:
            continue
        places.add(place)
        services_ = rng.sample(SERVICE_NAMES, rng.randint(min_services, max_services))
        plans.append(_council_plan(name, services_, rng.random() < 0.6, rng=rng))
    return plans


def _council_plan(name, service_names, opt_in, *, bench=False, rng=None) -> dict:
    slug = slugify(name) if bench else SLUG_PREFIX + slugify(name)
    if bench:
        users = {username: (first, last, role) for username, (first, last, role) in BENCH_USERS.items()}
    else:
        users = {
            f"{slug}-{role}": (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), role)
            for role in (Role.OFFICER, Role.MANAGER)
        }
    return {"name": name, "slug": slug, "opt_in": opt_in, "services": sorted(service_names), "users": users}


def _ensure_users(plans: list[dict], password_hash: str) -> dict[str, int]:
    """Create the users the plans name (or reuse them, with the given password); return their ids."""
    User = get_user_model()
    wanted = {username: info for plan in plans for username, info in plan["users"].items()}
    with transaction.atomic():
        existing = User.objects.filter(username__in=wanted)
        existing.update(password=password_hash)
        ids = dict(existing.values_list("username", "pk"))
        new = [
            User(username=u, first_name=first, last_name=last, email=f"{u}@example.org", password=password_hash)
            for u, (first, last, _role) in wanted.items()
            if u not in ids
        ]
        User.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if any(user.pk is None for user in new):  # databases that return no ids from bulk inserts
            new = User.objects.filter(username__in=[user.username for user in new])
        ids.update({user.username: user.pk for user in new})
    return ids


class _World:
    """The latent model and what it produces, council by council."""

    def __init__(self, rng: random.Random, seed: int, questions, framework_id: int, years: list[int]):
        self.seed = seed
        self.framework_id = framework_id
        self.years = years
        self.question_counts = dict(Counter(q.factor for q in questions))
        self.questions = [
            (q, FACTOR_ORDER.index(q.factor), rng.gauss(0, QUESTION_SPREAD), self._notes(rng, q.factor))
            for q in questions
        ]
        self._inputs: dict[tuple, scoring.AnswerInput] = {}
        self.audits = _Table(
            Audit,
            "council service framework period status version created_by created_at updated_at"
            " submitted_by submitted_at approved_by approved_at",
        )
        self.answers = _Table(
            Answer,
            "audit question rating dont_know confidence evidence_notes evidence_links audit_version"
            " answered_by updated_at",
        )
        self.scores = _Table(
            FactorScore,
            "audit factor score answered dont_know total evidenced evidence_strength weak_ratings",
        )
        self.events = _Table(AuditEvent, "audit at user kind before after")

    @staticmethod
    def _notes(rng: random.Random, factor: str) -> dict[int, list[str]]:
        """Evidence notes for one factor's questions, per year: a pool to draw from."""
        pools = {}
        for year in range(2000, LAST_YEAR + 1):
            pool = []
            for _ in range(12):
                source = rng.choice(EVIDENCE_SOURCES[factor])
                detail = rng.choice(EVIDENCE_DETAILS).format(
                    pct=rng.randint(12, 48),
                    n=rng.randint(2, 9),
                    m=rng.randint(10, 24),
                    month=rng.choice(MONTHS),
                    letter=rng.choice("ABCD"),
                )
                pool.append(f"{source} {year}" + (f"; {detail}." if detail else "."))
            pools[year] = pool
        return pools

    def answer_input(self, question, rating, dont_know, has_evidence) -> scoring.AnswerInput:
        """The scoring input of an answer, built by selectors.answer_input itself (and cached:
        there are only ten kinds of answer to each question)."""
        key = (question.pk, rating, dont_know, has_evidence)
        if key not in self._inputs:
            notes = "Resident survey 2025, ward breakdown" if has_evidence else ""
            answer = Answer(rating=rating, dont_know=dont_know, evidence_notes=notes)
            self._inputs[key] = selectors.answer_input(question, answer)
        return self._inputs[key]

    def council(self, index: int, plan: dict, users: dict[str, int], writer) -> Counter:
        rng = random.Random(f"{self.seed}/{index}")
        first_day = datetime(self.years[0], 4, 1, 9, tzinfo=UTC)
        council = Council.objects.create(name=plan["name"], slug=plan["slug"], benchmark_opt_in=plan["opt_in"])
        Council.objects.filter(pk=council.pk).update(created_at=first_day - timedelta(days=rng.randint(30, 400)))
        service_objs = Service.objects.bulk_create(Service(council=council, name=n) for n in plan["services"])
        if any(s.pk is None for s in service_objs):
            service_objs = list(council.services.order_by("name"))
        Membership.objects.bulk_create(
            Membership(user_id=users[username], council=council, role=role)
            for username, (_first, _last, role) in plan["users"].items()
        )
        roles = {role: users[username] for username, (_f, _l, role) in plan["users"].items()}
        officer, manager = roles[Role.OFFICER], roles[Role.MANAGER]
        domain = plan["slug"].removeprefix(SLUG_PREFIX)
        links = [f"https://{domain}.example.org/{p.format(year=y)}" for p in LINK_PATHS for y in self.years[-3:]]

        # Each audit's plan: the service's level per factor that year, its status and dates.
        leaning = [FACTOR_BASE[f] + rng.gauss(0, COUNCIL_SPREAD) for f in FACTOR_ORDER]
        evidence_habit = rng.uniform(-0.1, 0.1)
        audit_rows, audit_plans = [], []
        for service in service_objs:
            offset = [lean + rng.gauss(0, SERVICE_SPREAD) for lean in leaning]
            walk = [rng.gauss(0, WALK_STEP) for _ in FACTOR_ORDER]
            for year in self.years:
                walk = [w + rng.gauss(0, WALK_STEP) for w in walk]
                trend = TREND_PER_YEAR * (year - 2017)
                levels = [min(4.0, max(1.0, o + w + trend)) for o, w in zip(offset, walk, strict=True)]
                if year == LAST_YEAR:
                    roll = rng.random()
                    status = next(s for upper, s in LATEST_STATUSES if roll < upper)
                else:
                    status = AuditStatus.APPROVED
                # Days apart, each at a time of the working day.
                created = datetime(year, 4, 1, tzinfo=UTC) + timedelta(days=rng.randint(10, 120))
                answered = created + timedelta(days=rng.randint(1, 30))
                submitted = answered + timedelta(days=rng.randint(1, 14))
                approved = submitted + timedelta(days=rng.randint(2, 30))
                created, answered, submitted, approved = (
                    day + timedelta(minutes=rng.randint(8 * 60, 18 * 60))
                    for day in (created, answered, submitted, approved)
                )
                is_submitted = status != AuditStatus.DRAFT
                is_approved = status == AuditStatus.APPROVED
                version = 2 + is_submitted + is_approved  # created, answers saved, submitted, approved
                audit_rows.append(
                    (
                        council.pk,
                        service.pk,
                        self.framework_id,
                        f"{year}/{(year + 1) % 100:02d}",
                        status,
                        version,
                        officer,
                        created,
                        approved if is_approved else submitted if is_submitted else answered,
                        officer if is_submitted else None,
                        submitted if is_submitted else None,
                        manager if is_approved else None,
                        approved if is_approved else None,
                    )
                )
                audit_plans.append((year, levels, created, answered, submitted, approved, status))
        audit_ids = writer.insert(self.audits, audit_rows, return_ids=True)

        # Their answers, scores and history.
        answers, scores, events = [], [], []
        random_, gauss, choice = rng.random, rng.gauss, rng.choice
        for audit_id, (year, levels, created, answered, submitted, approved, status) in zip(
            audit_ids, audit_plans, strict=True
        ):
            note_share = 0.62 + 0.02 * (year - 2017) + evidence_habit
            inputs = []
            for question, f_index, difficulty, notes_by_year in self.questions:
                if random_() < DONT_KNOW_SHARE:
                    rating, dont_know, confidence = None, True, ""
                    notes, link = (choice(DONT_KNOW_NOTES) if random_() < 0.3 else ""), ""
                else:
                    rating = min(4, max(1, int(gauss(levels[f_index] - difficulty, RATING_SPREAD) + 0.5)))
                    dont_know = False
                    notes = choice(notes_by_year[year]) if random_() < note_share else ""
                    link = ""
                    if notes and random_() < 0.35:
                        link = choice(links) if random_() < 0.85 else f"{choice(links)}\n{choice(links)}"
                    confidence = choice(("medium", "high", "high") if notes else ("low", "low", "medium"))
                answers.append(
                    (audit_id, question.pk, rating, dont_know, confidence, notes, link, 2, officer, answered)
                )
                has_evidence = scoring.cites_evidence(notes, link.split("\n"))  # as Answer.has_evidence
                inputs.append(self.answer_input(question, rating, dont_know, has_evidence))
            for p in scoring.factor_profiles(self.question_counts, inputs):
                scores.append(
                    (
                        audit_id,
                        p.factor,
                        p.score,
                        p.rated,
                        p.dont_know,
                        p.total,
                        p.evidenced,
                        p.evidence_strength,
                        {a.code: a.rating for a in p.low_answers},
                    )
                )
            events.append((audit_id, created, officer, EventKind.CREATED, {}, {"status": AuditStatus.DRAFT}))
            if status != AuditStatus.DRAFT:
                before, after = {"status": AuditStatus.DRAFT}, {"status": AuditStatus.SUBMITTED}
                events.append((audit_id, submitted, officer, EventKind.SUBMITTED, before, after))
            if status == AuditStatus.APPROVED:
                before, after = {"status": AuditStatus.SUBMITTED}, {"status": AuditStatus.APPROVED}
                events.append((audit_id, approved, manager, EventKind.APPROVED, before, after))
        writer.insert(self.answers, answers)
        writer.insert(self.scores, scores)
        writer.insert(self.events, events)
        return Counter(
            councils=1,
            services=len(service_objs),
            audits=len(audit_ids),
            answers=len(answers),
            scores=len(scores),
            events=len(events),
        )


# --- Writing rows in bulk -----------------------------------------------------------------------


class _Table:
    """A model's table filled from tuples: ``columns`` (field names, space-separated) in the tuples' order, and
    every other concrete field its model default. A NOT NULL field without a default must be
    among ``columns`` (auto_now dates too: they are given, so history keeps its dates)."""

    def __init__(self, model, columns: str):
        self.model = model
        self.given = [model._meta.get_field(name) for name in columns.split()]
        self.rest = [f for f in model._meta.concrete_fields if f not in self.given and not f.primary_key]
        self.rest_values = [f.get_default() for f in self.rest]
        missing = [f.name for f, value in zip(self.rest, self.rest_values, strict=True) if value is None and not f.null]
        if missing:
            raise ImproperlyConfigured(f"{model.__name__}: give values for {', '.join(missing)}")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_COPY_ESCAPES)
    return str(value)  # int, or float (str gives the shortest text that reads back the same)


class _CopyWriter:
    """PostgreSQL: COPY … FROM STDIN, with ids taken from the table's sequence when asked for."""

    def insert(self, table: _Table, rows: list[tuple], *, return_ids: bool = False) -> list[int] | None:
        fields = table.given + table.rest
        ids = None
        if return_ids:
            ids = self._next_ids(table.model, len(rows))
            fields = [table.model._meta.pk, *fields]
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        rest = "".join("\t" + _copy_text(value) for value in table.rest_values) + "\n"
        buffer = io.StringIO("".join(["\t".join([_copy_text(v) for v in row]) + rest for row in rows]))
        qn = connection.ops.quote_name
        sql = f"COPY {qn(table.model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())
        return ids

    @staticmethod
    def _next_ids(model, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]


class _BulkWriter:
    """Other databases: bulk_create. It stamps auto_now dates with the current time, so the
    generated ones are put back with bulk_update."""

    def insert(self, table: _Table, rows: list[tuple], *, return_ids: bool = False) -> list[int] | None:
        names = [f.attname for f in table.given + table.rest]
        objs = [table.model(**dict(zip(names, (*row, *table.rest_values), strict=True))) for row in rows]
        table.model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        stamped = [
            (i, f)
            for i, f in enumerate(table.given)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        if stamped:
            for obj, row in zip(objs, rows, strict=True):
                for i, field in stamped:
                    setattr(obj, field.attname, row[i])
            table.model.objects.bulk_update(objs, [f.name for _, f in stamped], batch_size=BATCH_SIZE)
        if return_ids:
            if any(obj.pk is None for obj in objs):
                raise CommandError(f"This database does not return ids from bulk inserts ({connection.vendor}).")
            return [obj.pk for obj in objs]
        return None


# --- Progress -----------------------------------------------------------------------------------


class _Progress:
    """Councils done, elapsed time and ETA on stderr: one redrawn line on a terminal, otherwise a
    line at every tenth of the way."""

    def __init__(self, total: int, out):
        self.total, self.out = total, out
        self.started = time.monotonic()
        self.tty = out.isatty()
        self.shown_tenth = 0

    def update(self, done: int) -> None:
        elapsed = time.monotonic() - self.started
        eta = elapsed / done * (self.total - done)
        line = (
            f"councils {done}/{self.total} {done * 100 // self.total:3d}%  "
            f"elapsed {_duration(elapsed)}  ETA {_duration(eta)}"
        )
        if self.tty:
            bar = "#" * (done * 30 // self.total)
            self.out.write(f"\r[{bar:<30}] {line}", style_func=str, ending="\n" if done == self.total else "")
            self.out.flush()
        elif done * 10 // self.total > self.shown_tenth or done == self.total:
            self.shown_tenth = done * 10 // self.total
            self.out.write(line, style_func=str)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{seconds:02d}"
