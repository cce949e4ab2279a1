"""export_audits and import_audits: a council's audits leave and come back without loss."""

import json

import pytest
from django.core.management import CommandError, call_command

from audits import services, transfer
from audits.models import Answer, Audit, AuditEvent, AuditStatus, FactorScore, Question, Service

from .conftest import answer_all


@pytest.fixture
def rich_council(council, planning, officer, officer_b, manager, approved_audit):
    """Audits in every status, a reopened revision, and text that CSV finds awkward."""
    revision = services.audit_reopen(audit=approved_audit, user=manager, reason="Recount, “with quotes”, and commas")
    cd1 = Question.objects.get(framework=revision.framework, code="CD1")
    services.answers_save(
        audit=revision,
        user=officer_b,
        expected_version=revision.version,
        answers=[
            services.AnswerData(
                question_id=cd1.pk,
                dont_know=True,
                evidence_notes='Line one\nline two, with "quotes" — and Welsh: Ynys Môn',
                evidence_links="https://example.org/a\nhttps://example.org/b",
                confidence="low",
            )
        ],
    )
    housing = Service.objects.create(council=council, name="Housing")
    returned = services.audit_create(user=officer, council=council, service=housing, period="2026/27")
    answer_all(returned, officer, rating=4, confidence="high", evidence_notes="Tenant panel minutes")
    services.audit_submit(audit=returned, user=officer)
    services.audit_return(audit=returned, user=manager, comment="Which panel?\nSay which.")
    services.audit_create(user=officer, council=council, service=None, period="2025/26")  # an empty draft
    council.benchmark_opt_in = True
    council.save()
    return council


def scores(council):
    return sorted(
        FactorScore.objects.filter(audit__council=council).values_list(
            "audit__service__name",
            "audit__period",
            "audit__revision",
            "factor",
            "score",
            "evidenced",
            "evidence_strength",
        ),
        key=repr,
    )


def without_ids(tables):
    """Exported ids are only links inside the file: compare the tables by everything else."""
    order = {row["id"]: i for i, row in enumerate(tables["audits"])}
    out = json.loads(transfer.to_json(tables))["tables"]
    for row in out["audits"]:
        row["id"] = order[row["id"]]
        row["reopened_from"] = order.get(row["reopened_from"])
    for table in ("answers", "events"):
        for row in out[table]:
            row["audit"] = order[row["audit"]]
    return out


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_gives_back_the_same_council(rich_council, tmp_path, fmt):
    before = transfer.export_council(rich_council)
    scores_before = scores(rich_council)
    assert len(before["audits"]) == 4 and before["events"] and before["answers"]

    target = tmp_path / ("export.json" if fmt == "json" else "export")
    call_command("export_audits", rich_council.slug, format=fmt, output=str(target))
    transfer.delete_audits(rich_council)
    assert not Audit.objects.filter(council=rich_council).exists()

    call_command("import_audits", str(target))

    after = transfer.export_council(rich_council)
    assert without_ids(after) == without_ids(before)
    assert scores(rich_council) == scores_before
    revision = Audit.objects.get(council=rich_council, revision=2)
    assert revision.reopened_from.status == AuditStatus.APPROVED
    assert revision.reopened_from.superseded_at is None
    notes = Answer.objects.get(audit=revision, question__code="CD1").evidence_notes
    assert notes == 'Line one\nline two, with "quotes" — and Welsh: Ynys Môn'


def test_import_into_an_empty_database_creates_the_council_and_its_users(rich_council, tmp_path, django_user_model):
    target = tmp_path / "export.json"
    call_command("export_audits", rich_council.slug, output=str(target))
    before = without_ids(transfer.export_council(rich_council))
    transfer.delete_audits(rich_council)
    rich_council.services.all().delete()
    rich_council.delete()
    AuditEvent.objects.all().delete()
    django_user_model.objects.all().delete()

    call_command("import_audits", str(target))

    from audits.models import Council

    council = Council.objects.get(slug="ynys-mon")
    assert without_ids(transfer.export_council(council)) == before
    officer = django_user_model.objects.get(username="officer")
    assert not officer.has_usable_password()  # they set one with "Forgot your password?"


def test_a_council_with_audits_is_refused_and_left_alone(rich_council, tmp_path):
    target = tmp_path / "export.json"
    call_command("export_audits", rich_council.slug, output=str(target))
    before = transfer.export_council(rich_council)
    with pytest.raises(CommandError, match=r"already has 4 audits here\. Use --replace.* Nothing was imported\.$"):
        call_command("import_audits", str(target))
    assert transfer.export_council(rich_council) == before

    call_command("import_audits", str(target), replace=True)
    assert without_ids(transfer.export_council(rich_council)) == without_ids(before)


def test_a_damaged_file_changes_nothing_and_says_where(rich_council, tmp_path):
    folder = tmp_path / "export"
    call_command("export_audits", rich_council.slug, format="csv", output=str(folder))
    transfer.delete_audits(rich_council)
    answers = (folder / "answers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = answers[0].split(",")
    broken = answers[1].split(",")
    broken[header.index("rating")] = "seven"
    (folder / "answers.csv").write_text("".join([answers[0], ",".join(broken), *answers[2:]]), encoding="utf-8")

    with pytest.raises(CommandError, match=r"answers.csv line 2, rating: “seven” is not a whole number"):
        call_command("import_audits", str(folder))
    assert not Audit.objects.filter(council=rich_council).exists()


def test_an_unknown_council_names_the_ones_there_are(rich_council):
    with pytest.raises(CommandError, match=r"No council with the slug “nowhere”\. Councils here: ynys-mon"):
        call_command("export_audits", "nowhere")


def test_a_rating_out_of_range_in_the_file_is_refused(rich_council, tmp_path):
    target = tmp_path / "export.json"
    call_command("export_audits", rich_council.slug, output=str(target))
    document = json.loads(target.read_text())
    document["tables"]["answers"][0]["rating"] = 9
    target.write_text(json.dumps(document))
    transfer.delete_audits(rich_council)
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_audits", str(target))
    assert not Audit.objects.filter(council=rich_council).exists()
