"""generate_national: the national data set, small (3 councils, 3 years) so the tests stay quick."""

import io
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audits import services
from audits.models import Answer, Audit, AuditEvent, AuditStatus, Council, FactorScore, Membership, Question, Role
from devtools.management.commands import generate_national

from ..conftest import _user

SMALL = ["--councils", "3", "--years", "3", "--seed", "1"]
PERIODS = ["2024/25", "2025/26", "2026/27"]


def generate(*args, stderr=None):
    out = io.StringIO()
    call_command("generate_national", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def generated():
    return Council.objects.filter(slug__startswith="national-")


def counts():
    models = [Council, Audit, Answer, FactorScore, AuditEvent, Membership, get_user_model()]
    return {m.__name__: m.objects.count() for m in models}


def snapshot():
    """The generated data by natural keys (no ids), to compare two runs."""
    audits = {
        a.pk: (a.council.slug, a.service.name, a.period)
        for a in Audit.objects.filter(council__in=generated()).select_related("council", "service")
    }
    return (
        sorted(
            (audits[a.pk], a.status, a.version, a.created_at, a.updated_at, a.submitted_at, a.approved_at)
            for a in Audit.objects.filter(pk__in=audits)
        ),
        sorted(
            (
                audits[a.audit_id],
                a.question.code,
                a.rating,
                a.dont_know,
                a.confidence,
                a.evidence_notes,
                a.evidence_links,
                a.audit_version,
                a.answered_by.username,
                a.updated_at,
            )
            for a in Answer.objects.filter(audit__in=audits).select_related("question", "answered_by")
        ),
        sorted(
            (audits[s.audit_id], s.factor, s.score, s.answered, s.dont_know, s.total, s.evidenced, s.evidence_strength)
            for s in FactorScore.objects.filter(audit__in=audits)
        ),
        sorted(
            (audits[e.audit_id], e.kind, e.at, e.user.username, e.before, e.after)
            for e in AuditEvent.objects.filter(audit__in=audits).select_related("user")
        ),
    )


def test_it_generates_councils_services_and_one_complete_audit_per_service_and_period(db):
    summary = generate(*SMALL)

    councils = list(generated().prefetch_related("services"))
    assert len(councils) == 3
    sizes = {c.slug: c.services.count() for c in councils}
    assert sizes.pop("national-bench-council") == 30
    assert all(20 <= n <= 29 for n in sizes.values()), sizes
    assert all(c.name.endswith("Council") for c in councils) and len({c.name for c in councils}) == 3
    n_services = sum(c.services.count() for c in councils)

    audits = Audit.objects.filter(council__in=councils)
    assert audits.count() == n_services * 3
    per_scope = Counter(audits.values_list("service_id", "period"))
    assert set(per_scope.values()) == {1} and {p for _, p in per_scope} == set(PERIODS)
    assert not audits.filter(service__isnull=True).exists() and set(audits.values_list("revision", flat=True)) == {1}

    questions = Question.objects.filter(framework__is_current=True)
    n = questions.count()
    assert n == 36  # CLEAR 2027.1
    answers = Answer.objects.filter(audit__in=audits)
    assert answers.count() == audits.count() * n
    assert set(Counter(answers.values_list("audit_id", flat=True)).values()) == {n}
    assert set(answers.values_list("question_id", flat=True)) == set(questions.values_list("pk", flat=True))
    assert not answers.filter(rating__isnull=True, dont_know=False).exists()  # every question answered
    for audit in audits.order_by("?")[:5]:
        assert services.missing_questions(audit) == []
    dont_know = answers.filter(dont_know=True).count() / answers.count()
    noted = answers.exclude(evidence_notes="").count() / answers.count()
    linked = answers.exclude(evidence_links="").count() / answers.count()
    assert 0.01 < dont_know < 0.06 and 0.5 < noted < 0.95 and 0.1 < linked < 0.5, (dont_know, noted, linked)
    assert answers.filter(evidence_links__contains="\n").exists()  # several links, one a line
    assert set(answers.filter(dont_know=False).values_list("rating", flat=True)) == {1, 2, 3, 4}

    assert FactorScore.objects.filter(audit__in=audits).count() == audits.count() * 5
    assert f"Generated 3 councils, {n_services} services" in summary
    assert f"{audits.count() * n} answers" in summary


def test_service_counts_keep_to_the_range_asked_for(db):
    generate("--councils", "12", "--years", "1", "--min-services", "2", "--max-services", "3")
    sizes = Counter(c.services.count() for c in generated().exclude(slug="national-bench-council"))
    assert set(sizes) == {2, 3}, sizes
    assert Audit.objects.filter(council__in=generated()).count() == 30 + sum(n * k for n, k in sizes.items())


def test_stored_scores_are_what_recompute_scores_stores(db):
    generate(*SMALL)

    def stored():
        return {
            (s.audit_id, s.factor): (s.score, s.answered, s.dont_know, s.total, s.evidenced, s.evidence_strength)
            for s in FactorScore.objects.filter(audit__council__in=generated())
        }

    before = stored()
    for audit in Audit.objects.filter(council__in=generated()):
        services.recompute_scores(audit=audit)
    assert stored() == before
    # Not a vacuous comparison: the scores vary, as do don't-knows and evidence.
    values = list(before.values())
    assert len({v[0] for v in values}) > 20
    assert {v[5] for v in values} >= {"weak", "moderate", "strong"}
    assert any(v[2] for v in values) and any(v[4] < v[1] for v in values)


def test_statuses_dates_and_history(db):
    generate(*SMALL)
    audits = Audit.objects.filter(council__in=generated()).select_related("council")
    roles = {(m.council_id, m.user_id): m.role for m in Membership.objects.filter(council__in=generated())}

    older = audits.exclude(period="2026/27")
    assert set(older.values_list("status", flat=True)) == {AuditStatus.APPROVED}
    latest = Counter(audits.filter(period="2026/27").values_list("status", flat=True))
    assert set(latest) == {AuditStatus.APPROVED, AuditStatus.SUBMITTED, AuditStatus.DRAFT}
    assert latest[AuditStatus.APPROVED] > latest[AuditStatus.SUBMITTED] > latest[AuditStatus.DRAFT] > 0

    events = defaultdict(list)
    for e in AuditEvent.objects.filter(audit__in=audits).order_by("at", "pk"):
        events[e.audit_id].append(e)
    tz = timezone.get_current_timezone()
    for a in audits:
        start = datetime(int(a.period[:4]), 4, 1, tzinfo=tz)
        assert start <= a.created_at <= a.updated_at <= timezone.now()
        assert a.updated_at < start + timedelta(days=365)
        assert all(8 <= t.astimezone(UTC).hour <= 18 for t in (a.created_at, a.updated_at))  # working hours
        assert roles[(a.council_id, a.created_by_id)] == Role.OFFICER
        kinds = [(e.kind, e.after["status"]) for e in events[a.pk]]
        if a.status == AuditStatus.DRAFT:
            assert (a.submitted_at, a.approved_at, a.version) == (None, None, 2)
            assert kinds == [("created", "draft")]
        elif a.status == AuditStatus.SUBMITTED:
            assert a.submitted_at and a.approved_at is None and a.version == 3
            assert roles[(a.council_id, a.submitted_by_id)] == Role.OFFICER
            assert kinds == [("created", "draft"), ("submitted", "submitted")]
        else:
            assert a.created_at < a.submitted_at < a.approved_at == a.updated_at and a.version == 4
            assert roles[(a.council_id, a.approved_by_id)] == Role.MANAGER
            assert kinds == [("created", "draft"), ("submitted", "submitted"), ("approved", "approved")]
            assert [e.at for e in events[a.pk]] == [a.created_at, a.submitted_at, a.approved_at]
            assert events[a.pk][2].user_id == a.approved_by_id and events[a.pk][2].before == {"status": "submitted"}


def test_the_bench_councils_users_sign_in_with_the_password(client, db):
    generate(*SMALL, "--password", "a-bench-password")
    bench = Council.objects.get(slug="national-bench-council", name="National Bench Council")
    assert dict(bench.memberships.values_list("user__username", "role")) == {
        "bench-officer": Role.OFFICER,
        "bench-manager": Role.MANAGER,
        "bench-councillor": Role.COUNCILLOR,
    }
    for username in ["bench-officer", "bench-councillor", "bench-manager"]:
        response = client.post("/accounts/login/", {"username": username, "password": "a-bench-password"})
        assert response.status_code == 302 and response.url == "/audits/", username
    page = client.get("/councils/national-bench-council/dashboard/")
    assert page.status_code == 200 and "National Bench Council" in page.content.decode()

    client.logout()
    response = client.post("/accounts/login/", {"username": "bench-manager", "password": "clear-bench"})
    assert response.status_code == 200  # the default password was not used


def test_other_councils_get_an_officer_and_a_manager(db):
    generate(*SMALL)
    for council in generated().exclude(slug="national-bench-council"):
        members = dict(council.memberships.values_list("user__username", "role"))
        assert members == {f"{council.slug}-officer": Role.OFFICER, f"{council.slug}-manager": Role.MANAGER}


def test_a_second_run_refuses_and_changes_nothing(db):
    generate(*SMALL)
    before = counts()
    with pytest.raises(CommandError, match="--replace"):
        generate(*SMALL)
    with pytest.raises(CommandError, match="already here"):
        generate("--councils", "1", "--years", "1", "--seed", "9")
    assert counts() == before


def test_replace_regenerates_and_leaves_other_councils_alone(db):
    call_command("seed_demo", stdout=io.StringIO())
    demo = {
        "councils": list(Council.objects.order_by("pk").values_list("pk", "name", "slug")),
        "audits": list(Audit.objects.order_by("pk").values_list("pk", "council__name", "period", "status", "version")),
        "answers": list(Answer.objects.order_by("pk").values_list("pk", "rating", "evidence_notes")),
        "scores": list(FactorScore.objects.order_by("pk").values_list("pk", "factor", "score")),
        "events": list(AuditEvent.objects.order_by("pk").values_list("pk", "kind")),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username", "password")),
    }
    generate(*SMALL)
    first = generated().count(), Audit.objects.filter(council__in=generated()).count()

    out = generate("--councils", "2", "--years", "2", "--seed", "5", "--replace")
    assert f"Deleted the previous national data set: 3 councils, {first[1]} audits, 7 users." in out

    assert first[0] == 3 and generated().count() == 2
    assert set(Audit.objects.filter(council__in=generated()).values_list("period", flat=True)) == {"2025/26", "2026/27"}
    demo_now = {
        "councils": list(
            Council.objects.exclude(slug__startswith="national-").order_by("pk").values_list("pk", "name", "slug")
        ),
        "audits": list(
            Audit.objects.exclude(council__in=generated())
            .order_by("pk")
            .values_list("pk", "council__name", "period", "status", "version")
        ),
        "answers": list(
            Answer.objects.exclude(audit__council__in=generated())
            .order_by("pk")
            .values_list("pk", "rating", "evidence_notes")
        ),
        "scores": list(
            FactorScore.objects.exclude(audit__council__in=generated())
            .order_by("pk")
            .values_list("pk", "factor", "score")
        ),
        "events": list(
            AuditEvent.objects.exclude(audit__council__in=generated()).order_by("pk").values_list("pk", "kind")
        ),
        "users": list(
            get_user_model()
            .objects.exclude(memberships__council__in=generated())
            .order_by("pk")
            .values_list("pk", "username", "password")
        ),
    }
    assert demo_now == demo
    generated_users = get_user_model().objects.filter(memberships__council__in=generated()).count()
    assert get_user_model().objects.count() == len(demo["users"]) + generated_users == len(demo["users"]) + 5


def test_the_same_seed_gives_the_same_data_with_copy_or_bulk_create(db, monkeypatch):
    generate(*SMALL)
    with_copy = snapshot()
    monkeypatch.setattr(generate_national, "_CopyWriter", generate_national._BulkWriter)
    generate(*SMALL, "--replace")
    assert snapshot() == with_copy
    assert len(with_copy[1]) > 5000
    generate("--councils", "3", "--years", "3", "--seed", "2", "--replace")
    assert snapshot() != with_copy


def test_replace_refuses_a_council_with_members_it_did_not_create(db, officer):
    generate(*SMALL)
    stray = generated().exclude(slug="national-bench-council").first()
    Membership.objects.create(user=officer, council=stray, role=Role.MANAGER)
    before = counts()
    with pytest.raises(CommandError, match="did not create"):
        generate(*SMALL, "--replace")
    assert counts() == before


def test_a_bench_user_who_belongs_to_another_council_too_survives_replace(db, council):
    bench_officer = _user("bench-officer", council, Role.OFFICER)
    generate(*SMALL)
    assert set(bench_officer.memberships.values_list("council__slug", flat=True)) == {
        "ynys-mon",
        "national-bench-council",
    }
    generate(*SMALL, "--replace")
    bench_officer.refresh_from_db()
    assert set(bench_officer.memberships.values_list("council__slug", flat=True)) == {
        "ynys-mon",
        "national-bench-council",
    }


def test_progress_is_a_line_per_tenth_when_stderr_is_not_a_terminal(db):
    err = io.StringIO()
    generate(*SMALL, stderr=err)
    lines = err.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert lines[-1].startswith("councils 3/3 100%  elapsed 0:0") and "ETA 0:00" in lines[-1]


def test_progress_redraws_one_line_on_a_terminal(db):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    generate(*SMALL, stderr=err)
    text = err.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("ETA 0:00\n")
    assert "\r[" + "#" * 30 + "] councils 3/3 100%" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--councils", "0"], "--councils"),
        (["--years", "0"], "--years"),
        (["--years", "28"], "--years"),
        (["--min-services", "25", "--max-services", "21"], "--min-services"),
        (["--max-services", "30"], "only the bench council has 30"),
    ],
)
def test_bad_options_are_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        generate(*args)
    assert not Council.objects.exists()


def test_explain_dashboard_shows_the_plan_of_every_dashboard_query(db):
    generate(*SMALL)
    out = io.StringIO()
    call_command("explain_dashboard", "national-bench-council", stdout=out)
    text = out.getvalue()
    explained = int(re.search(r"(\d+) queries explained", text)[1])
    assert explained >= 5  # services, periods, audits, scores, benchmark…
    assert text.count("Execution Time:") == explained
    with pytest.raises(CommandError, match="No council"):
        call_command("explain_dashboard", "nowhere", stdout=io.StringIO())
