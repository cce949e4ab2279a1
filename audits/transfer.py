"""Export a council's audits to plain tables, and import them back without loss.

One code path for both file formats: ``export_council`` builds tables (lists of rows, each
a dict of plain values); the JSON file holds them whole, the CSV format writes one file per
table. ``import_council`` reads the same tables back in one transaction: it validates
everything first and changes nothing when anything is wrong.

What travels: the council, its services and members, every audit (all revisions, every
status, who and when), every answer and the whole history. Factor scores are not exported:
they are recomputed from the answers on import, by the same code that computed them.
Users are matched by username; missing ones are created without a password (they set one
through "Forgot your password?").
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from . import services
from .models import Answer, Audit, AuditEvent, Council, Framework, Membership, Question, Service

FORMAT = "clear-audit-export"
FORMAT_VERSION = 1

# table -> column -> type. The order of columns is the order in the CSV files.
SCHEMA: dict[str, dict[str, str]] = {
    "council": {"name": "str", "slug": "str", "benchmark_opt_in": "bool"},
    "services": {"name": "str"},
    "members": {"username": "str", "first_name": "str", "last_name": "str", "email": "str", "role": "str"},
    "audits": {
        "id": "int",
        "service": "str?",
        "period": "str",
        "revision": "int",
        "framework": "str",
        "status": "str",
        "version": "int",
        "reopened_from": "int?",
        "reopen_reason": "str",
        "superseded_at": "datetime?",
        "created_by": "str",
        "created_at": "datetime",
        "updated_at": "datetime",
        "submitted_by": "str?",
        "submitted_at": "datetime?",
        "returned_by": "str?",
        "returned_at": "datetime?",
        "return_comment": "str",
        "approved_by": "str?",
        "approved_at": "datetime?",
    },
    "answers": {
        "audit": "int",
        "question": "str",
        "rating": "int?",
        "dont_know": "bool",
        "confidence": "str",
        "evidence_notes": "str",
        "evidence_links": "str",
        "audit_version": "int",
        "answered_by": "str?",
        "updated_at": "datetime",
    },
    "events": {
        "audit": "int",
        "at": "datetime",
        "user": "str?",
        "kind": "str",
        "question": "str?",
        "before": "json",
        "after": "json",
    },
}
USER_FIELDS = ("created_by", "submitted_by", "returned_by", "approved_by")


def _username(user) -> str | None:
    return user.get_username() if user else None


def export_council(council: Council) -> dict[str, list[dict]]:
    """The council's data as tables of plain values (see SCHEMA)."""
    audits = list(
        Audit.objects.filter(council=council)
        .select_related("service", "framework", *USER_FIELDS)
        .order_by("period", "service__name", "revision", "pk")
    )
    codes = dict(Question.objects.filter(framework__audits__council=council).distinct().values_list("pk", "code"))
    position = {a.pk: i for i, a in enumerate(audits)}  # rows follow the audits, whatever their ids
    answers = sorted(
        Answer.objects.filter(audit__council=council)
        .select_related("answered_by")
        .order_by("question__order", "question__code"),
        key=lambda a: position[a.audit_id],
    )
    events = sorted(
        AuditEvent.objects.filter(audit__council=council).select_related("user").order_by("at", "pk"),
        key=lambda e: position[e.audit_id],
    )
    return {
        "council": [{"name": council.name, "slug": council.slug, "benchmark_opt_in": council.benchmark_opt_in}],
        "services": [{"name": s.name} for s in council.services.order_by("name")],
        "members": [
            {
                "username": m.user.get_username(),
                "first_name": m.user.first_name,
                "last_name": m.user.last_name,
                "email": m.user.email,
                "role": m.role,
            }
            for m in council.memberships.select_related("user").order_by("user__username", "role")
        ],
        "audits": [
            {
                "id": a.pk,
                "service": a.service.name if a.service_id else None,
                "period": a.period,
                "revision": a.revision,
                "framework": a.framework.version,
                "status": a.status,
                "version": a.version,
                "reopened_from": a.reopened_from_id,
                "reopen_reason": a.reopen_reason,
                "superseded_at": a.superseded_at,
                "created_at": a.created_at,
                "updated_at": a.updated_at,
                "submitted_at": a.submitted_at,
                "returned_at": a.returned_at,
                "return_comment": a.return_comment,
                "approved_at": a.approved_at,
                **{name: _username(getattr(a, name)) for name in USER_FIELDS},
            }
            for a in audits
        ],
        "answers": [
            {
                "audit": a.audit_id,
                "question": codes[a.question_id],
                "rating": a.rating,
                "dont_know": a.dont_know,
                "confidence": a.confidence,
                "evidence_notes": a.evidence_notes,
                "evidence_links": a.evidence_links,
                "audit_version": a.audit_version,
                "answered_by": _username(a.answered_by),
                "updated_at": a.updated_at,
            }
            for a in answers
        ],
        "events": [
            {
                "audit": e.audit_id,
                "at": e.at,
                "user": _username(e.user),
                "kind": e.kind,
                "question": codes.get(e.question_id) if e.question_id else None,
                "before": e.before,
                "after": e.after,
            }
            for e in events
        ],
    }


# --- files -------------------------------------------------------------------------------


def _to_text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "datetime":
        return value.isoformat()
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _from_text(text: str, kind: str, where: str):
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if text == "" and optional:
        return None
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text)
        if kind == "bool":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if kind == "datetime":
            value = parse_datetime(text)
            if value is None:
                raise ValueError(text)
            return value
        if kind == "json":
            return json.loads(text)
    except ValueError:
        raise ValidationError(f"{where}: “{text[:40]}” is not a valid {kind}.") from None
    raise AssertionError(kind)


def to_json(tables: dict[str, list[dict]]) -> str:
    document = {"format": FORMAT, "version": FORMAT_VERSION, "tables": tables}
    return json.dumps(
        document, ensure_ascii=False, indent=1, default=lambda v: v.isoformat() if isinstance(v, datetime) else v
    )


def from_json(text: str) -> dict[str, list[dict]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"The file is not JSON: {exc}.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError("The file is not a CLEAR Audit export.")
    if document.get("version") != FORMAT_VERSION:
        raise ValidationError(f"Export format version {document.get('version')} is not supported (expected 1).")
    tables = document.get("tables") or {}
    # Through the same text codec as CSV, so that both formats are checked the same way.
    return {
        name: [
            {
                col: _from_text(_json_to_text(row.get(col), kind), kind, f"{name} row {i + 1}, {col}")
                for col, kind in SCHEMA[name].items()
            }
            for i, row in enumerate(tables.get(name, []))
        ]
        for name in SCHEMA
    }


def _json_to_text(value, kind: str) -> str:
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv_files(tables: dict[str, list[dict]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in SCHEMA.items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in tables[name]:
                writer.writerow([_to_text(row[col], kind.rstrip("?")) for col, kind in columns.items()])
        written.append(path)
    return written


def from_csv_files(folder: Path) -> dict[str, list[dict]]:
    tables = {}
    for name, columns in SCHEMA.items():
        path = folder / f"{name}.csv"
        if not path.exists():
            raise ValidationError(f"{path} is missing: a CSV export is a folder with {', '.join(SCHEMA)}.csv.")
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(io.StringIO(f.read()))
            if reader.fieldnames != list(columns):
                raise ValidationError(f"{path.name}: the columns should be {', '.join(columns)}.")
            tables[name] = [
                {col: _from_text(row[col], kind, f"{path.name} line {i + 2}, {col}") for col, kind in columns.items()}
                for i, row in enumerate(reader)
            ]
    return tables


# --- import -------------------------------------------------------------------------------


@transaction.atomic
def import_council(tables: dict[str, list[dict]], *, replace: bool = False) -> tuple[Council, list[str]]:
    """Create the council's data from exported tables. Returns the council and the usernames
    that had to be created. Refuses (ValidationError) when the council already has audits,
    unless ``replace``, which deletes them first."""
    if len(tables["council"]) != 1:
        raise ValidationError("The export must describe exactly one council.")
    c = tables["council"][0]
    council, _ = Council.objects.get_or_create(slug=c["slug"], defaults={"name": c["name"]})
    if council.name != c["name"]:
        raise ValidationError(f"The council “{council.slug}” here is called “{council.name}”, not “{c['name']}”.")
    if council.audits.exists():
        if not replace:
            raise ValidationError(
                f"{council.name} already has {council.audits.count()} audits here: nothing was imported. "
                "Use --replace to delete them and import the file instead."
            )
        delete_audits(council)
    council.benchmark_opt_in = c["benchmark_opt_in"]
    council.save(update_fields=["benchmark_opt_in"])

    services_by_name = {s.name: s for s in council.services.all()}
    for row in tables["services"]:
        if row["name"] not in services_by_name:
            services_by_name[row["name"]] = Service.objects.create(council=council, name=row["name"])

    users, created = _users(tables)
    for row in tables["members"]:
        Membership.objects.get_or_create(user=users[row["username"]], council=council, role=row["role"])

    frameworks = {f.version: f for f in Framework.objects.all()}
    questions = {(q.framework.version, q.code): q for q in Question.objects.select_related("framework")}
    new_ids: dict[int, Audit] = {}
    for row in sorted(tables["audits"], key=lambda r: r["revision"]):  # a revision's origin comes first
        if row["framework"] not in frameworks:
            raise ValidationError(f"Question bank {row['framework']} is not installed here.")
        if row["service"] is not None and row["service"] not in services_by_name:
            raise ValidationError(f"Audit {row['id']}: service “{row['service']}” is not in the services table.")
        if row["reopened_from"] is not None and row["reopened_from"] not in new_ids:
            raise ValidationError(f"Audit {row['id']} was reopened from audit {row['reopened_from']}, not in the file.")
        audit = Audit(
            council=council,
            service=services_by_name[row["service"]] if row["service"] is not None else None,
            framework=frameworks[row["framework"]],
            reopened_from=new_ids[row["reopened_from"]] if row["reopened_from"] is not None else None,
            **{k: row[k] for k in ("period", "revision", "status", "version", "reopen_reason", "superseded_at")},
            **{k: row[k] for k in ("submitted_at", "returned_at", "return_comment", "approved_at")},
            **{name: users.get(row[name]) for name in USER_FIELDS},
        )
        audit.full_clean(exclude=["council", "service", "framework", "reopened_from", *USER_FIELDS])
        audit.save()
        audit.created_at, audit.updated_at = row["created_at"], row["updated_at"]
        new_ids[row["id"]] = audit
    Audit.objects.bulk_update(new_ids.values(), ["created_at", "updated_at"])

    def audit_of(row, table):
        if row["audit"] not in new_ids:
            raise ValidationError(f"{table}: audit {row['audit']} is not in the audits table.")
        return new_ids[row["audit"]]

    def question_of(audit, code, table):
        key = (audit.framework.version, code)
        if key not in questions:
            raise ValidationError(f"{table}: question {code} is not in question bank {key[0]}.")
        return questions[key]

    answers = []
    for row in tables["answers"]:
        audit = audit_of(row, "answers")
        answer = Answer(
            audit=audit,
            question=question_of(audit, row["question"], "answers"),
            answered_by=users.get(row["answered_by"]),
            **{k: row[k] for k in services.ANSWER_FIELDS},
            audit_version=row["audit_version"],
        )
        answer.full_clean(exclude=["audit", "question", "answered_by"], validate_unique=False)
        answers.append(answer)
    answers = Answer.objects.bulk_create(answers)
    for answer, row in zip(answers, tables["answers"], strict=True):
        answer.updated_at = row["updated_at"]
    Answer.objects.bulk_update(answers, ["updated_at"], batch_size=1000)

    events = []
    for row in tables["events"]:
        audit = audit_of(row, "events")
        events.append(
            AuditEvent(
                audit=audit,
                at=row["at"],
                user=users.get(row["user"]),
                kind=row["kind"],
                question=question_of(audit, row["question"], "events") if row["question"] else None,
                before=row["before"],
                after=row["after"],
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    for audit in new_ids.values():
        services.recompute_scores(audit=audit)
    return council, created


def _users(tables) -> tuple[dict[str, object], list[str]]:
    User = get_user_model()
    names = {row["username"] for row in tables["members"]}
    names |= {row[n] for row in tables["audits"] for n in USER_FIELDS if row[n]}
    names |= {row["answered_by"] for row in tables["answers"] if row["answered_by"]}
    names |= {row["user"] for row in tables["events"] if row["user"]}
    users = {u.get_username(): u for u in User.objects.filter(username__in=names)}
    details = {row["username"]: row for row in tables["members"]}
    created = sorted(names - set(users))
    for name in created:
        d = details.get(name, {})
        user = User(
            username=name,
            first_name=d.get("first_name", ""),
            last_name=d.get("last_name", ""),
            email=d.get("email", ""),
        )
        user.set_unusable_password()
        user.save()
        users[name] = user
    return users, created


def delete_audits(council: Council) -> int:
    """Delete every audit of the council (newest revisions first: they point at their origin)."""
    audits = list(Audit.objects.filter(council=council).order_by("-revision").values_list("pk", "revision"))
    for revision in sorted({r for _, r in audits}, reverse=True):
        Audit.objects.filter(council=council, revision=revision).delete()
    return len(audits)
