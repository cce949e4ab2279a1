# ruff: noqa: F811 (rich_council is a fixture of test_transfer, imported here and named as a parameter)
"""import_audits refuses what the forms refuse: every refusal names the file, table and row,
ends "Nothing was imported.", and leaves the database exactly as it was."""

import copy
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits import transfer
from audits.management.commands.import_audits import Command
from audits.models import Answer, Audit, AuditEvent, Council, FactorScore, Membership, Role, Service

from .conftest import _user
from .test_transfer import rich_council  # noqa: F401

User = get_user_model()


def database():
    """Everything an import could change, to compare before and after a refusal."""
    return {
        "councils": sorted(Council.objects.values_list("slug", "name", "benchmark_opt_in")),
        "users": sorted(User.objects.values_list("username", "first_name", "is_superuser")),
        "memberships": sorted(Membership.objects.values_list("user__username", "council__slug", "role")),
        "services": sorted(Service.objects.values_list("council__slug", "name")),
        "rows": [m.objects.count() for m in (Audit, Answer, AuditEvent, FactorScore)],
        "answers": sorted(
            Answer.objects.values_list("audit__period", "question__code", "rating", "evidence_notes"), key=repr
        ),
    }


@pytest.fixture
def document(rich_council, tmp_path):
    """The council's export as a JSON document; the council is left with no audits, so that
    the document as it is imports."""
    target = tmp_path / "export.json"
    call_command("export_audits", rich_council.slug, output=str(target))
    transfer.delete_audits(rich_council)
    return json.loads(target.read_text(encoding="utf-8"))


def write(tmp_path, document) -> str:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def refused(path: str, pattern: str, **options) -> str:
    """Import, expecting a refusal that matches ``pattern``, ends as it should and changes nothing."""
    before = database()
    with pytest.raises(CommandError) as refusal:
        call_command("import_audits", path, **options)
    message = str(refusal.value)
    assert re.search(pattern, message), message
    assert message.endswith("Nothing was imported."), message
    assert message.count("Nothing was imported.") == 1, message
    assert database() == before
    return message


def index(tables, table, **match) -> int:
    return next(i for i, row in enumerate(tables[table]) if all(row[k] == v for k, v in match.items()))


def setter(table, column, value, **match):
    def change(doc):
        doc["tables"][table][index(doc["tables"], table, **match)][column] = value

    return change


def answer_event(column, value):
    return setter("events", column, value, kind="answer")


def first_answer(column, value):
    return setter("answers", column, value, rating=4)


def duplicate(table, i=0):
    def change(doc):
        doc["tables"][table].append(copy.deepcopy(doc["tables"][table][i]))

    return change


def reopened(column, value):
    return setter("audits", column, value, revision=2)


MALFORMED = {
    # evidence links, periods, slugs, ratings: the rules of the forms
    "javascript link": (
        first_answer("evidence_links", "javascript:alert(document.cookie)"),
        r"export\.json, answers row \d+, evidence_links: These are not web addresses .*javascript:",
    ),
    "too many links": (
        first_answer("evidence_links", "\n".join(f"https://example.org/{i}" for i in range(11))),
        r"answers row \d+, evidence_links: Give at most 10 links",
    ),
    "period not a financial year": (
        setter("audits", "period", "2026/28", revision=2),
        r"audits row 4, period: 2026/28 is not a financial year",
    ),
    "period in another form": (setter("audits", "period", "26-27", revision=2), r"audits row 4, period: Enter the"),
    "slug with a path": (
        lambda doc: doc["tables"]["council"][0].update(slug="../../etc"),
        r"council row 1, slug: Enter a valid “slug”",
    ),
    "rating out of range": (first_answer("rating", 9), r"answers row \d+, rating: Choose a rating from 1 to 4"),
    "rating and don't know": (first_answer("dont_know", True), r"answers row \d+, rating: Choose a rating or"),
    "rating as text": (first_answer("rating", "3"), r"answers row \d+, rating: \"3\" is not a whole number or null"),
    "rating as true": (first_answer("rating", True), r"answers row \d+, rating: true is not a whole number"),
    "unknown confidence": (first_answer("confidence", "total"), r"confidence: “total” is not a known confidence"),
    "evidence notes too long": (first_answer("evidence_notes", "x" * 5001), r"evidence_notes: Evidence notes can be"),
    # NUL, control characters and bidi overrides in every text column
    "NUL in the council's name": (
        lambda doc: doc["tables"]["council"][0].update(name="Ynys\x00 Môn"),
        r"council row 1, name: Remove the invisible control characters \(U\+0000\)",
    ),
    "bidi override in a service": (
        lambda doc: doc["tables"]["services"].append({"name": "Parks\u202e"}),
        r"services row 3, name: Remove the invisible control characters \(U\+202E\)",
    ),
    "line break in a service": (
        lambda doc: doc["tables"]["services"].append({"name": "Parks\nand gardens"}),
        r"services row 3, name: A name is one line",
    ),
    "empty service name": (lambda doc: doc["tables"]["services"].append({"name": " "}), r"services row 3, name"),
    "duplicate service": (duplicate("services"), r"services row 3, name: “Housing” is already in services row 1\."),
    "control character in a first name": (
        setter("members", "first_name", "Si\x1bân", username="officer"),
        r"members row \d+, first_name: Remove the invisible control characters \(U\+001B\)",
    ),
    "NUL in a username": (
        setter("members", "username", "evil\x00", username="officer-b"),
        r"members row \d+, username: Remove the invisible control characters",
    ),
    "path as a username": (setter("audits", "created_by", "../root", revision=2), r"audits row 4, created_by: Enter"),
    "empty username": (setter("audits", "created_by", "", revision=2), r"audits row 4, created_by: A username cannot"),
    "no creator": (setter("audits", "created_by", None, revision=2), r"audits row 4, created_by: null is not text\."),
    "bad e-mail": (setter("members", "email", "not an address", username="officer"), r"members row \d+, email: "),
    "NUL in a reopen reason": (reopened("reopen_reason", "Recount\x00"), r"audits row 4, reopen_reason: Remove"),
    "bidi in a return comment": (
        setter("audits", "return_comment", "Say \u2066which\u2069", status="returned"),
        r"audits row \d+, return_comment: Remove the invisible control characters \(U\+2066, U\+2069\)",
    ),
    "NUL in evidence notes": (first_answer("evidence_notes", "a\x00b"), r"answers row \d+, evidence_notes: Remove"),
    "NUL in the history": (
        answer_event("after", {"evidence_notes": "a\x00b"}),
        r"events row \d+, after: Remove the invisible control characters \(U\+0000\)",
    ),
    "bidi in a history key": (answer_event("before", {"rating\u202e": 1}), r"events row \d+, before: Remove"),
    "lone surrogate": (first_answer("evidence_notes", "\ud800"), r"answers row \d+, evidence_notes: holds an escape"),
    # history entries
    "unknown event kind": (
        setter("events", "kind", "hacked", kind="created"),
        r"events row 1, kind: “hacked” is not a known event kind",
    ),
    "answer event without a question": (
        answer_event("question", None),
        r"events row \d+, question: an answer event needs the question",
    ),
    "event about an unknown question": (answer_event("question", "ZZ9"), r"events row \d+, question: “ZZ9” is not"),
    "history as a list": (answer_event("before", [1, 2]), r"events row \d+, before: should be a JSON object"),
    "history as text": (answer_event("after", "rating 3"), r"events row \d+, after: should be a JSON object"),
    "history as null": (answer_event("after", None), r"events row \d+, after: should be a JSON object"),
    "event of an unknown audit": (
        setter("events", "audit", 999999, kind="created"),
        r"events row 1, audit: audit 999999 is not in the audits table",
    ),
    # tables and rows
    "no answers table": (lambda doc: doc["tables"].pop("answers"), r"export\.json: the table “answers” is missing"),
    "no events table": (lambda doc: doc["tables"].pop("events"), r"the table “events” is missing"),
    "tables not an object": (lambda doc: doc.update(tables=[]), r"export\.json: “tables” should be an object"),
    "answers not a list": (
        lambda doc: doc["tables"].update(answers={"0": {}}),
        r"export\.json, table answers: should be a list of rows",
    ),
    "a row that is a list": (
        lambda doc: doc["tables"]["answers"].insert(1, [1, 2, 3]),
        r"export\.json, answers row 2: a row should be an object",
    ),
    "a row that is a number": (lambda doc: doc["tables"]["events"].append(7), r"events row \d+: a row should be"),
    "a missing column": (
        lambda doc: doc["tables"]["answers"][2].pop("question"),
        r"answers row 3: the column “question” is missing",
    ),
    "an unknown column": (
        lambda doc: doc["tables"]["audits"][0].update(owner="x"),
        r"audits row 1: unknown column “owner”",
    ),
    "an unknown table": (lambda doc: doc["tables"].update(scores=[]), r"unknown table “scores”"),
    "two councils": (duplicate("council"), r"export\.json, table council: holds 2 rows"),
    # wrong types and duplicates
    "duplicate answer": (duplicate("answers", 5), r"export\.json, answers row \d+: answers row 6 already answers"),
    "unknown role": (
        setter("members", "role", "boss", username="officer"),
        r"members row \d+, role: “boss” is not a known role \(one of officer, manager, councillor\)",
    ),
    "duplicate member": (duplicate("members"), r"members row \d+, username: .* is already in .*one role per council"),
    "duplicate audit id": (
        lambda doc: doc["tables"]["audits"][1].update(id=doc["tables"]["audits"][0]["id"]),
        r"audits row 2, id: \d+ is already the id of audits row 1\.",
    ),
    "two audits of one scope": (
        lambda doc: doc["tables"]["audits"][3].update(revision=1, reopened_from=None),
        r"audits row 4: audits row 3 is already revision 1 of this scope for 2026/27",
    ),
    "reopened from a draft": (
        lambda doc: reopened("reopened_from", doc["tables"]["audits"][0]["id"])(doc),
        r"audits row 4, reopened_from: audit \d+ is not approved",
    ),
    "reopened from nothing": (reopened("reopened_from", 424242), r"reopened_from: audit 424242 is not another"),
    "approved without a date": (
        setter("audits", "approved_at", None, status="approved"),
        r"audits row \d+, approved_at: an approved audit needs the date",
    ),
    "a date without a time zone": (
        reopened("created_at", "2026-04-01T09:30:00"),
        r"audits row 4, created_at: “2026-04-01T09:30:00” is not a date and time with its time zone",
    ),
    "no such day": (reopened("updated_at", "2026-02-30T09:30:00+00:00"), r"audits row 4, updated_at: “2026-02-30"),
    "date past the end of time": (reopened("created_at", "9999-12-31T23:00:00-05:00"), r"audits row 4, created_at"),
    "a version too large": (reopened("version", 2**40), r"audits row 4, version: 1099511627776 should be a whole"),
    "answer version 0": (first_answer("audit_version", 0), r"answers row \d+, audit_version: 0 should be"),
    "unknown status": (reopened("status", "burnt"), r"audits row 4, status: “burnt” is not a known status"),
    "unknown service": (reopened("service", "Parks"), r"audits row 4, service: “Parks” is not in the services table"),
    "unknown question bank": (reopened("framework", "CLEAR 1999"), r"audits row 4, framework: question bank"),
    "benchmark as text": (
        lambda doc: doc["tables"]["council"][0].update(benchmark_opt_in="yes"),
        r"council row 1, benchmark_opt_in: \"yes\" is not true or false\.",
    ),
    "a name too long": (lambda doc: doc["tables"]["services"].append({"name": "x" * 201}), r"at most 200 characters"),
    # the document itself
    "not an export": (lambda doc: doc.update(format="something else"), r"export\.json is not a CLEAR Audit export"),
    "another version": (lambda doc: doc.update(version=2), r"export format version 2 is not supported"),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_file_is_refused_naming_where_and_changes_nothing(document, tmp_path, change):
    mutate, pattern = change
    mutate(document)
    refused(write(tmp_path, document), pattern)


def test_the_document_unchanged_imports(document, tmp_path, rich_council):
    call_command("import_audits", write(tmp_path, document))
    assert Audit.objects.filter(council=rich_council).count() == 4


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('{"format": "clear-audit-export", "version": 1, "tables": {}, "version": 1}', r"the key “version” appears"),
        ('{"format": "clear-audit-export", "version": 1, "tables": NaN}', r"NaN is not a number JSON allows"),
        ("{not json", r"export\.json is not JSON: .* at line 1, column 2"),
        ("[" * 100_000, r"export\.json is not JSON"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused(db, tmp_path, text, pattern):
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    refused(str(path), pattern)


def test_a_json_file_that_is_not_utf8_is_refused_naming_the_line(document, tmp_path):
    data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    line = data[: data.index("Môn".encode())].count(b"\n") + 1
    path = tmp_path / "export.json"
    path.write_bytes(data.replace("Môn".encode(), "Môn".encode("latin-1")))
    refused(str(path), rf"export\.json line {line}: byte 0xf4 is not UTF-8 text\. Save the file as UTF-8")


def test_a_file_without_answers_never_deletes_the_answers_with_replace(rich_council, tmp_path):
    """Read as "no answers", such a file would delete every answer of the council."""
    target = tmp_path / "export.json"
    call_command("export_audits", rich_council.slug, output=str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    del document["tables"]["answers"]
    before = transfer.export_council(rich_council)

    refused(write(tmp_path, document), r"the table “answers” is missing", replace=True)
    assert transfer.export_council(rich_council) == before
    assert Answer.objects.filter(audit__council=rich_council).count() == len(before["answers"]) > 0


@pytest.fixture
def folder(rich_council, tmp_path):
    folder = tmp_path / "export"
    call_command("export_audits", rich_council.slug, format="csv", output=str(folder))
    transfer.delete_audits(rich_council)
    return folder


def edit_csv(path, edit):
    path.write_bytes(edit(path.read_bytes()))


@pytest.mark.parametrize(
    ("table", "edit", "pattern"),
    [
        (
            "answers",
            lambda data: data.replace(b"Tenant panel minutes", b"Tenant \xff panel minutes", 1),
            r"export/answers\.csv line 2: byte 0xff is not UTF-8 text",
        ),
        (
            "services",
            lambda data: data + b"Parks\x00\n",
            r"export/services\.csv line 4, name: Remove the invisible control characters \(U\+0000\)",
        ),
        (
            "services",
            lambda data: data + b'"Parks","Gardens"\n',
            r"services\.csv line 4: 2 cells where the table has 1",
        ),
        (
            "members",
            lambda data: data.replace(b",officer\r\n", b",boss\r\n", 1),
            r"members\.csv line \d+, role: “boss”",
        ),
        (
            "answers",
            lambda data: data.replace(b"https://example.org/a", b"javascript:alert(1)", 1),
            r"answers\.csv line \d+, evidence_links: These are not web addresses",
        ),
        (
            "answers",
            lambda data: data + data.split(b"\r\n")[1] + b"\r\n",
            r"answers\.csv line \d+: .*answers\.csv line 2 already answers",
        ),
        ("events", lambda data: data.replace(b",created,", b",hacked,", 1), r"events\.csv line 2, kind: “hacked”"),
        (
            "events",
            lambda data: data.replace(b",{},", b",[],", 1),
            r"events\.csv line 2, before: should be a JSON object",
        ),
        ("audits", lambda data: data.replace(b"2026/27", b"2026/2027", 1), r"audits\.csv line \d+, period: Enter the"),
        ("council", lambda data: data.replace(b"ynys-mon", b"../../etc"), r"council\.csv line 2, slug: Enter a valid"),
        ("council", lambda data: data.replace(b"name,", b"title,"), r"council\.csv line 1: the columns should be"),
    ],
)
def test_a_malformed_csv_file_is_refused_naming_the_file_and_line(folder, table, edit, pattern):
    edit_csv(folder / f"{table}.csv", edit)
    refused(str(folder), pattern)


def test_a_csv_folder_missing_a_file_is_refused(folder):
    (folder / "answers.csv").unlink()
    refused(str(folder), r"export/answers\.csv is missing: a CSV export is a folder with")


# --- accounts -----------------------------------------------------------------------------


def test_existing_accounts_not_of_this_council_get_no_role_unless_allowed(
    document, tmp_path, rich_council, outsider, other_council
):
    User.objects.create_superuser("root", password="a-long-test-password")
    User.objects.create_user("namesake", password="a-long-test-password")  # same username, maybe someone else
    for username, role in (("outsider", "manager"), ("root", "officer"), ("namesake", "councillor")):
        document["tables"]["members"].append(
            {"username": username, "first_name": "", "last_name": "", "email": "", "role": role}
        )
    path = write(tmp_path, document)

    message = refused(path, r"export\.json, table members: 3 of these accounts already exist here")
    assert "outsider (members row 4: engagement officer of Rhondda Cynon Taf)" in message
    assert "root (members row 5: a site administrator, no role in any council)" in message
    assert "namesake (members row 6: no role in any council)" in message
    assert "--allow-existing-accounts" in message

    call_command("import_audits", path, allow_existing_accounts=True)
    assert set(outsider.memberships.values_list("council__slug", "role")) == {
        ("rhondda-cynon-taf", Role.OFFICER),
        ("ynys-mon", Role.MANAGER),
    }
    assert Membership.objects.get(user__username="root").council == rich_council


def test_existing_members_of_the_council_are_not_refused(document, tmp_path, rich_council, officer):
    """The council's own members are the same people: importing their roles again is fine,
    even when they also belong to another council."""
    officer.memberships.create(council=Council.objects.create(name="Gwynedd", slug="gwynedd"), role=Role.MANAGER)
    call_command("import_audits", write(tmp_path, document))
    assert officer.memberships.get(council=rich_council).role == Role.OFFICER


def test_replace_keeps_members_not_in_the_file_says_so_and_applies_the_file_roles(rich_council, tmp_path, capsys):
    target = tmp_path / "export.json"
    call_command("export_audits", rich_council.slug, output=str(target))
    _user("newcomer", rich_council, Role.COUNCILLOR)
    Membership.objects.filter(user__username="officer-b").update(role=Role.MANAGER)

    call_command("import_audits", str(target), replace=True)

    out = capsys.readouterr().out
    assert "Ynys Môn: deleted the 4 audits that were here (--replace)." in out
    assert "Kept the members of Ynys Môn who are not in the file, with their roles" in out
    assert "remove them in the admin if they should go): newcomer (Councillor)" in out
    assert "officer-b from Manager to Engagement officer" in out
    roles = dict(rich_council.memberships.values_list("user__username", "role"))
    assert roles["newcomer"] == Role.COUNCILLOR
    assert roles["officer-b"] == Role.OFFICER


def test_the_help_says_what_replace_does_to_members_and_names_the_option():
    text = " ".join(Command().create_parser("manage.py", "import_audits").format_help().split())
    assert "Services and members are kept, also those not in the file" in text
    assert "--allow-existing-accounts" in text
    assert "members of the council who are not in the file keep their role" in text


# --- anything at all ----------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _mutations(tables):
    cells = [(t, i, c) for t, rows in tables.items() for i, row in enumerate(rows) for c in row]
    values = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=12),
        st.sampled_from(["", "2026/27", "answer", "officer", "CD1", "2026-04-01T09:30:00+00:00", "{}", "\x00"]),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    )
    cell = st.tuples(st.just("cell"), st.sampled_from(cells), values)
    structure = st.tuples(
        st.sampled_from(["drop column", "drop row", "duplicate row", "row to value", "table to value", "drop table"]),
        st.sampled_from(cells),
        values,
    )
    return st.lists(st.one_of(cell, structure), min_size=1, max_size=3)


def _apply(document, mutation):
    what, (table, i, column), value = mutation
    tables = document["tables"]
    rows = tables.get(table)
    if not isinstance(rows, list) or i >= len(rows) or not isinstance(rows[i], dict):
        return
    if what == "cell":
        rows[i][column] = value
    elif what == "drop column":
        rows[i].pop(column, None)
    elif what == "drop row":
        rows.pop(i)
    elif what == "duplicate row":
        rows.append(copy.deepcopy(rows[i]))
    elif what == "row to value":
        rows[i] = value
    elif what == "table to value":
        tables[table] = value
    else:
        tables.pop(table)


def test_any_damage_to_a_file_is_imported_whole_or_refused_with_nothing_changed(document, tmp_path):
    """Whatever a file holds, the import either succeeds or refuses naming the file, a table
    and a row, and changes nothing: never a traceback, never half an import."""
    path = tmp_path / "export.json"

    @settings(
        max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(_mutations(document["tables"]))
    def check(mutations):
        damaged = copy.deepcopy(document)
        for mutation in mutations:
            _apply(damaged, mutation)
        path.write_text(json.dumps(damaged, ensure_ascii=False), encoding="utf-8")
        try:
            with transaction.atomic():
                before = database()
                try:
                    call_command("import_audits", str(path))
                except CommandError as exc:
                    message = str(exc)
                    assert message.startswith(str(path)), message
                    assert re.search(r"(table “?\w+|\w+ row \d+|\w+\.csv line \d+|\(line \d+\))", message), message
                    assert message.endswith("Nothing was imported."), message
                    assert database() == before
                raise _Rollback
        except _Rollback:
            pass

    check()


def test_a_number_json_does_not_allow_is_refused_naming_its_line(document, tmp_path):
    document["tables"]["answers"][0]["rating"] = float("inf")
    path = tmp_path / "export.json"
    text = json.dumps(document, indent=1)  # writes the bare word Infinity
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("Infinity")].count("\n") + 1
    refused(str(path), rf"Infinity is not a number JSON allows \(line {line}\)\.")
