"""The findings of the diagnosis review that live beyond the pure scoring functions: the
interventions aimed at weak questions (finding 10), responses versioned with the bank (11), and
the wording of the dashboard and council-wide report. On the database and through the pages."""

import pytest
from django.urls import reverse

from audits import charts, interventions, scoring, selectors, services
from audits.council_profile import ScopeAudit, heat_cell, trend_points, weak_services
from audits.factors import FACTOR_ORDER
from audits.models import Council, Framework, Intervention, PolicyResponse, Question, Role
from audits.reports.data import build_audit_report, build_council_report

from .conftest import _user


def rate(audit, user, ratings: dict[str, int], default=3):
    """Rate every question ``default`` except those named, with a note that cites evidence."""
    audit.refresh_from_db()
    data = [
        services.AnswerData(
            question_id=q.pk, rating=ratings.get(q.code, default), evidence_notes="Resident survey 2025, ward tables"
        )
        for q in Question.objects.filter(framework=audit.framework)
    ]
    return services.answers_save(audit=audit, user=user, answers=data, expected_version=audit.version).audit


def approve(audit, officer, manager):
    services.audit_submit(audit=audit, user=officer)
    return services.audit_approve(audit=audit, user=manager)


def approved(council, service, period, officer, manager, ratings=None, default=3):
    """A new audit of the scope, rated (``ratings`` by code, else ``default``) and approved."""
    audit = services.audit_create(user=officer, council=council, service=service, period=period)
    return approve(rate(audit, officer, ratings or {}, default=default), officer, manager)


# --- Finding 10: suggestions aimed at the weak questions ------------------------------------


@pytest.mark.parametrize("version", ["CLEAR 2026.1", "CLEAR 2027.1"])
def test_10_every_question_of_both_banks_has_one_to_three_interventions_of_its_own_response(db, version):
    framework = Framework.objects.get(version=version)
    for q in Question.objects.filter(framework=framework).prefetch_related("interventions__response"):
        linked = list(q.interventions.all())
        assert 1 <= len(linked) <= 3, q.code
        assert {i.response.factor for i in linked} == {q.factor}, q.code
        assert {i.response.framework_id for i in linked} == {framework.pk}, q.code


def test_10_a_suggestion_leads_with_the_interventions_aimed_at_its_weak_question(client_for, audit, officer):
    audit = rate(audit, officer, {"CD3": 1})
    item = next(s for s in selectors.audit_profile(audit).suggestions if s.suggestion.factor == "can_do")
    cd3 = Question.objects.get(framework=audit.framework, code="CD3")
    aimed_at_cd3 = set(cd3.interventions.values_list("title", flat=True))
    assert aimed_at_cd3 and {a.intervention.title for a in item.aimed} == aimed_at_cd3
    assert all(a.target_text == f"CD3 rated 1 ({cd3.theme})" for a in item.aimed)
    assert not aimed_at_cd3 & {i.title for i in item.other_options}  # the rest are other options
    assert len(item.aimed) + len(item.other_options) == item.response.interventions.count()

    page = client_for(officer).get(f"/audits/{audit.pk}/").content.decode()
    first = min(aimed_at_cd3, key=page.find)
    assert f"CD3 rated 1 ({cd3.theme}) → <strong>{first}.</strong>" in page.replace("&#x27;", "'")
    assert page.index("Aimed at the weak questions") < page.index("Other options")

    report = build_audit_report(audit)
    can_do = next(r for r in report.responses if r.factor_label == "Can do")
    assert {i.title for i in can_do.aimed} == aimed_at_cd3
    assert can_do.because.startswith("Because Can do scores")


def test_10_the_intervention_addressing_most_barriers_comes_first(audit, officer):
    # Two weak questions: the intervention linked to both (if any) or to the barrier leads.
    audit = rate(audit, officer, {"CD4": 2, "CD3": 1})
    item = next(s for s in selectors.audit_profile(audit).suggestions if s.suggestion.factor == "can_do")
    barriers = [sum(t.rating == 1 for t in a.targets) for a in item.aimed]
    assert barriers == sorted(barriers, reverse=True)


# --- Finding 11: responses and interventions belong to the bank's version --------------------


def test_11_an_approved_audits_report_keeps_its_banks_interventions(audit, officer, manager, client_for):
    audit = approve(rate(audit, officer, {"CD3": 1}), officer, manager)
    before = build_audit_report(audit).responses

    # A later bank with other wording does not change it…
    newer = Framework.objects.create(version="CLEAR 2099.1", title="Later")
    Framework.objects.filter(pk=audit.framework_id).update(is_current=False)
    Framework.objects.filter(pk=newer.pk).update(is_current=True)
    response = PolicyResponse.objects.create(framework=newer, factor="can_do", title="Renamed", summary="New")
    Intervention.objects.create(response=response, code="renamed", title="Renamed intervention", description="x")
    assert build_audit_report(audit).responses[0].title == before[0].title
    assert "Renamed" not in str(build_audit_report(audit).responses)

    # …and its own bank's responses cannot be edited once an audit uses it.
    admin = _user("admin", is_staff=True, is_superuser=True)
    own = PolicyResponse.objects.get(framework=audit.framework, factor="can_do")
    page = client_for(admin).get(reverse("admin:audits_policyresponse_change", args=[own.pk])).content.decode()
    assert 'name="_save"' not in page
    posted = client_for(admin).post(
        reverse("admin:audits_policyresponse_change", args=[own.pk]), {"title": "Edited", "summary": "x"}
    )
    assert posted.status_code == 403
    assert PolicyResponse.objects.get(pk=own.pk).title == before[0].title
    assert build_audit_report(audit).responses[0].aimed == before[0].aimed


def test_11_new_audits_use_the_new_bank_and_old_ones_keep_theirs(db):
    current = Framework.objects.get(is_current=True)
    assert current.version == "CLEAR 2027.1"
    assert current.rating_guidance and "most" in current.rating_guidance
    codes = set(current.questions.values_list("code", flat=True))
    assert {"CD8", "AT8"} <= codes  # disability split from language; co-production
    assert Question.objects.filter(framework__version="CLEAR 2026.1").count() == 34
    assert PolicyResponse.objects.filter(framework__version="CLEAR 2026.1").count() == 5
    assert PolicyResponse.objects.filter(framework=current).count() == 5


# --- Wording: the council's profile, weak services, the benchmark ----------------------------


def test_the_council_report_names_the_weakest_factor_of_its_own_profile(
    council, planning, officer, manager, client_for
):
    # A council-wide audit with Responded to weak; one service weak in Can do.
    approved(council, None, "2026/27", officer, manager, {f"RT{i}": 2 for i in range(1, 9)})
    approved(council, planning, "2026/27", officer, manager, {f"CD{i}": 1 for i in range(1, 9)})

    report = build_council_report(council)
    assert report.source == "the council-wide audit of 2026/27"
    assert report.weakest.startswith("Responded to")  # the profile's own weakest, not the services'
    assert report.responses[0].title == "Accountability and leadership"
    assert report.responses[0].reasons == ("no service scores under 50",)
    can_do = next((r for r in report.responses if r.factor_label == "Can do"), None)
    assert can_do is None  # the council-wide audit rates Can do 3 throughout: nothing weak

    dashboard = client_for(officer).get("/councils/ynys-mon/dashboard/").content.decode()
    assert "From the council-wide audit of 2026/27" in dashboard
    assert "Accountability and leadership" in dashboard


def test_a_council_of_one_service_says_one_service(council, planning, officer, manager):
    approved(council, planning, "2026/27", officer, manager)
    assert build_council_report(council).source == "the mean of the latest approved audits of 1 service"


def _scope(service, scores):
    profiles = tuple(
        scoring.profile_from_counts(factor=f, total=6, rated=6, dont_know=0, evidenced=6, score=s)
        for f, s in zip(FACTOR_ORDER, scores, strict=True)
    )
    return ScopeAudit(1, 1, service, "2026/27", 1, profiles)


def test_weak_services_round_as_the_cells_do():
    scope = _scope("Parks", [12.5, 60, 60, 60, 49.5])
    assert weak_services([scope], "can_do") == ("Parks (13)",)
    assert heat_cell(scope.profiles[0]).score == 12.5 and scoring.shown(12.5) == 13
    assert weak_services([scope], "responded_to") == ()  # 49.5 shows as 50: adequate, not weak


def test_a_barrier_inside_a_strong_factor_is_not_painted_as_a_strength_on_the_dashboard(
    council, planning, officer, manager, client_for
):
    approved(council, planning, "2026/27", officer, manager, {"CD5": 1}, default=4)
    page = client_for(officer).get("/councils/ynys-mon/dashboard/").content.decode()
    heat = page.split("Services and factors")[1].split("Trends")[0]
    assert "Barrier inside a strong factor" in heat
    assert "Capacity building" in page.split("Suggested responses")[1]


def test_the_benchmark_is_labelled_for_what_it_is(council, officer, manager, client_for):
    council.benchmark_opt_in = True
    council.save()
    for i in range(5):
        other = Council.objects.create(name=f"Other {i}", slug=f"other-{i}", benchmark_opt_in=True)
        boss = _user(f"boss-{i}", other, Role.MANAGER)
        clerk = _user(f"clerk-{i}", other, Role.OFFICER)
        approved(other, None, "2026/27", clerk, boss)
    approved(council, None, "2026/27", officer, manager)
    page = client_for(officer).get("/councils/ynys-mon/dashboard/").content.decode()
    assert "Councils that opted in" in page and "like yours" not in page
    assert "not calibrated between councils" in page


# --- Charts that cannot mislead ---------------------------------------------------------------


def test_a_factor_without_a_score_is_a_gap_in_the_radar_never_zero():
    scores = dict(zip(FACTOR_ORDER, [80.0, 80.0, None, 80.0, 80.0], strict=True))
    svg = str(charts.radar(charts.Series("now", scores)))
    assert 'cx="160" cy="160"' not in svg  # no point drawn at zero, in the centre
    assert 'fill-opacity="0.22"' not in svg  # no filled shape pretending the gap is closed
    assert svg.count("<circle") == 4  # four points, none for Enabled to
    # Three edges: Responded to–Can do, Can do–Like to, Asked to–Responded to; none to Enabled to.
    assert svg.count('stroke-width="2"/>') == 3
    assert "Enabled to no score" in svg


def test_provisional_factors_are_drawn_dotted_and_hollow():
    profiles = scoring.factor_profiles(
        {f: 6 for f in FACTOR_ORDER},
        [scoring.AnswerInput(f"{f}{i}", f, rating=3, has_evidence=True) for f in FACTOR_ORDER for i in range(6)],
        approved=False,
    )
    svg = str(charts.radar(charts.Series.of("draft", profiles)))
    assert f'stroke-dasharray="{charts.PROVISIONAL_DASH}"' in svg
    assert "provisional" in svg and 'fill="#ffffff"' in svg


def test_the_trend_follows_one_scope_and_marks_a_change_of_basis():
    def audit(pk, service_id, period, score):
        profiles = tuple(
            scoring.profile_from_counts(factor=f, total=6, rated=6, dont_know=0, evidenced=6, score=score)
            for f in FACTOR_ORDER
        )
        return ScopeAudit(pk, service_id, f"S{service_id}" if service_id else "", period, 1, profiles)

    audits = [audit(1, None, "2024/25", 40), audit(2, 7, "2025/26", 90), audit(3, None, "2026/27", 50)]
    points = trend_points(audits)
    assert [(t.period, t.scores["can_do"], t.basis) for t in points] == [
        ("2024/25", 40, "council-wide audit"),
        ("2026/27", 50, "council-wide audit"),
    ]  # never a jump to the service's 90
    services_only = [audit(2, 7, "2025/26", 90), audit(4, 7, "2026/27", 80), audit(5, 8, "2026/27", 60)]
    points = trend_points(services_only)
    assert [(t.basis, t.audits, t.basis_changed) for t in points] == [
        ("mean of 1 service", 1, False),
        ("mean of 2 services", 2, True),
    ]
    assert [t.period for t in trend_points(services_only, up_to="2025/26")] == ["2025/26"]
    svg = str(
        charts.trend(
            [t.period for t in points],
            {"can_do": {t.period: t.scores["can_do"] for t in points}},
            notes={t.period: f"{t.audits} audits" for t in points},
            changes=["2026/27"],
        )
    )
    assert "basis changed" in svg and "2 audits" in svg and 'width="100%"' in svg


def test_suggested_responses_read_the_audits_own_bank(audit, officer):
    audit = rate(audit, officer, {"CD3": 1})
    suggested = interventions.with_interventions(
        audit.framework_id, scoring.suggested_responses(selectors.audit_profile(audit).factors)
    )
    assert all(s.response.framework_id == audit.framework_id for s in suggested)


# --- After review: stored scores, combined profiles, unknowns, cross-bank comparisons ----------


def test_stored_scores_are_recomputed_with_the_evidence_rule_and_weak_ratings(audit, officer):
    import importlib

    from django.apps import apps as django_apps

    from audits.models import FactorScore

    migration = importlib.import_module("audits.migrations.0017_factor_scores_keep_their_weak_ratings")
    audit = rate(audit, officer, {"CD3": 1, "CD4": 2})
    expected = sorted(FactorScore.objects.filter(audit=audit).values_list("factor", "evidenced", "evidence_strength"))
    # Scores as stored before 0017: no weak ratings, and "tbc"-style notes counted as evidence.
    FactorScore.objects.filter(audit=audit).update(weak_ratings={}, evidenced=99, evidence_strength="strong")
    migration.recompute(django_apps, None)
    stored = FactorScore.objects.filter(audit=audit)
    assert sorted(stored.values_list("factor", "evidenced", "evidence_strength")) == expected
    assert stored.get(factor="can_do").weak_ratings == {"CD3": 1, "CD4": 2}


@pytest.mark.parametrize(
    "note", ["tbc", "see Jo", "not sure yet", "Census 2021", "Ward profiles 2023", "x y", "Résident survey, 2025"]
)
def test_the_migrations_frozen_evidence_rule_is_todays(note):
    import importlib

    migration = importlib.import_module("audits.migrations.0017_factor_scores_keep_their_weak_ratings")
    assert migration.cites_evidence(note, "") == scoring.cites_evidence(note, [])


def test_a_practice_factor_half_unknown_is_a_finding_not_a_strength_to_keep():
    counts = {"can_do": 7, "like_to": 6, "enabled_to": 6, "asked_to": 8, "responded_to": 8}
    answers = [scoring.AnswerInput(f"AT{i}", "asked_to", rating=4, has_evidence=True) for i in range(1, 5)] + [
        scoring.AnswerInput(f"AT{i}", "asked_to", dont_know=True) for i in range(5, 9)
    ]
    profiles = scoring.factor_profiles(counts, answers)
    asked = next(p for p in profiles if p.factor == "asked_to")
    assert asked.score == 100 and asked.provisional
    assert asked not in scoring.strengths(profiles)
    assert [s.factor for s in scoring.suggested_responses(profiles)] == ["asked_to"]
    text = " ".join(new_summary_sentences(profiles))
    assert "Asked to: 4 of its 8 questions are “don't know”; not knowing is itself a finding" in text
    assert "strength to keep" not in text


def new_summary_sentences(profiles):
    from audits.summary import summary_sentences

    return summary_sentences(profiles)


def test_a_combined_profile_reads_question_levels_per_audit():
    # Ten services with seven rated questions each: one question-level is 4.8 points, not 0.5.
    def service(can_do):
        return [
            scoring.profile_from_counts(
                factor=f, total=7, rated=7, dont_know=0, evidenced=7, score=can_do if f == "can_do" else 66.7
            )
            for f in FACTOR_ORDER
        ]

    combined = scoring.combine_profiles([service(65.7)] * 10)
    assert combined[0].rated == 70 and combined[0].question_level == pytest.approx(100 / 21)
    assert scoring.weakest_factors(combined) == []  # one point lower does not stand apart


def test_the_detail_page_names_unverified_strengths(client_for, audit, officer):
    audit.refresh_from_db()
    data = [services.AnswerData(question_id=q.pk, rating=4) for q in Question.objects.filter(framework=audit.framework)]
    services.answers_save(audit=audit, user=officer, answers=data, expected_version=audit.version)
    page = client_for(officer).get(f"/audits/{audit.pk}/").content.decode()
    assert "Unverified strengths:" in page and "Strengths to keep" not in page


def test_a_report_says_its_previous_audit_used_another_bank(council, planning, officer, manager):
    old = services.audit_create(user=officer, council=council, service=planning, period="2025/26")
    older_bank = Framework.objects.get(version="CLEAR 2026.1")
    type(old).objects.filter(pk=old.pk).update(framework=older_bank)
    services.recompute_scores(audit=old)
    approve(rate(old, officer, {"CD1": 1}), officer, manager)
    new = approved(council, planning, "2026/27", officer, manager)
    report = build_audit_report(new)
    assert report.previous_framework == "CLEAR 2026.1" and report.framework == "CLEAR 2027.1"
    can_do = report.changes[0]
    assert can_do.levels == scoring.levels_moved(can_do.before, can_do.after, can_do.rated)


def test_the_benchmark_reads_each_council_by_the_dashboards_own_rule(council, planning, officer, manager):
    from audits.benchmark import benchmark_profiles
    from audits.council_profile import approved_scope_audits, council_profile, latest_per_scope

    council.benchmark_opt_in = True
    council.save()
    parks = planning.council.services.create(name="Parks")
    approved(council, planning, "2025/26", officer, manager, default=1)
    approved(council, planning, "2026/27", officer, manager, default=4)
    approved(council, parks, "2026/27", officer, manager, default=2)
    for period in ("2025/26", "2026/27"):
        own = council_profile(latest_per_scope(approved_scope_audits(council), up_to=period).values())
        expected = {p.factor: p.score for p in own.profiles if p.score is not None}
        assert benchmark_profiles(period)[council.pk] == expected
    assert benchmark_profiles("2025/26")[council.pk]["can_do"] == 0  # the 2026/27 audits are left out
    approved(council, None, "2026/27", officer, manager)
    assert benchmark_profiles("2026/27")[council.pk]["can_do"] == pytest.approx(66.7)  # the council-wide audit


# --- The question bank's findings (CLEAR 2027.1) -----------------------------------------------


def test_the_new_bank_states_a_best_fit_rule_and_defines_its_quantifiers(db):
    guidance = Framework.objects.get(version="CLEAR 2027.1").rating_guidance
    assert "fits only partly, choose the lower level unless most of its conditions are met" in guidance
    for word in ('"Few" means', '"Some" means', '"Most" means', '"Regular"', '"Within a reasonable time"'):
        assert word in guidance


@pytest.mark.parametrize(
    "phrase",
    ["has risen", "have risen", "between surveys", "similar councils", "national benchmark", "only data is old"],
)
def test_no_level_of_the_new_bank_asks_for_improvement_comparison_or_data_quality(db, phrase):
    for q in Question.objects.filter(framework__version="CLEAR 2027.1"):
        assert all(phrase not in text.lower() for _, text in q.levels), (q.code, phrase)


def test_the_new_bank_splits_language_from_disability_and_asks_about_churn_and_co_production(db):
    bank = {q.code: q for q in Question.objects.filter(framework__version="CLEAR 2027.1")}
    assert "disab" not in bank["CD5"].prompt.lower() and "disab" in bank["CD8"].prompt.lower()
    assert bank["LT5"].kind == "context" and "move" in bank["LT5"].prompt.lower()
    assert "co-produce" in bank["AT8"].prompt.lower()
    assert {q.kind for q in bank.values()} == {"context", "practice"}


def test_the_about_page_states_the_rule_not_the_lowest_factors(client_for, officer):
    page = client_for(officer).get("/about/").content.decode()
    assert "score lowest" not in page and "rated 1 or 2" in page
