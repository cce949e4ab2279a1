"""The rules every row of an imported file must follow, checked before anything is written.

``audits.transfer`` reads a file into tables of typed values (text, whole numbers, dates…);
``check_tables`` then applies the same rules as the forms and the models, through the same
functions (``audits.validators``, ``services.validate_period``), and returns the rows as
they will be stored. Each refusal is one message naming the file, the table and the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from . import services, validators
from .models import AuditStatus, Confidence, EventKind, Role

#: The largest value a PositiveIntegerField holds on every supported database.
MAX_INT = 2_147_483_647
USER_FIELDS = ("created_by", "submitted_by", "returned_by", "approved_by")


@dataclass
class Origin:
    """Where tables came from, to name the file, table and row of a refusal: a JSON file
    (rows are counted from 1 in each table), or a folder of CSV files (``lines`` holds the
    line each row starts on, the header being line 1)."""

    name: str = "the export"
    lines: dict[str, list[int]] | None = field(default=None)

    def table(self, table: str) -> str:
        if self.lines is None:
            return f"{self.name}, table {table}"
        return str(Path(self.name) / f"{table}.csv")

    def row(self, table: str, index: int) -> str:
        if self.lines is None:
            return f"{self.name}, {self.mention(table, index)}"
        return str(Path(self.name) / self.mention(table, index))

    def mention(self, table: str, index: int) -> str:
        """The row without the file, to mention another row of the same file."""
        if self.lines is None:
            return f"{table} row {index + 1}"
        return f"{table}.csv line {self.lines[table][index]}"


def refuse(where: str, problem: ValidationError | str) -> ValidationError:
    """One message: where, then what is wrong."""
    text = " ".join(problem.messages) if isinstance(problem, ValidationError) else problem
    return ValidationError(f"{where}: {text}")


def _clean(where: str, column: str, clean, value, *args, **kwargs):
    try:
        return clean(value, *args, **kwargs)
    except ValidationError as exc:
        raise refuse(f"{where}, {column}", exc) from None


def _one_of(where: str, column: str, value: str, allowed, what: str) -> str:
    if value not in allowed:
        raise refuse(f"{where}, {column}", f"“{value[:40]}” is not a known {what} (one of {', '.join(allowed)}).")
    return value


def _count(where: str, column: str, value: int, minimum: int = 1) -> int:
    if not minimum <= value <= MAX_INT:
        raise refuse(f"{where}, {column}", f"{value} should be a whole number from {minimum} to {MAX_INT}.")
    return value


def _optional_username(where: str, column: str, value: str | None) -> str | None:
    return None if value is None else _clean(where, column, validators.clean_username, value)


def _history_values(where: str, column: str, value) -> dict:
    """An event's before/after: a JSON object whose text passes the same control character
    rule as every text field (it is shown on the history page)."""
    if not isinstance(value, dict):
        raise refuse(f"{where}, {column}", "should be a JSON object such as {“status”: “draft”}.")
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in item:
                _clean(where, column, validators.reject_control_characters, key)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            _clean(where, column, validators.reject_control_characters, item)
    return value


def check_tables(tables: dict[str, list[dict]], origin: Origin, *, banks: dict[str, set[str]]) -> dict[str, list[dict]]:
    """The tables as they will be stored, every value cleaned; ValidationError at the first
    row that breaks a rule. ``banks`` maps each installed question bank to its question codes."""
    return {
        "council": _council(tables, origin),
        "services": (services_ := _services(tables, origin)),
        "members": _members(tables, origin),
        "audits": (audits := _audits(tables, origin, {s["name"] for s in services_}, banks)),
        "answers": _answers(tables, origin, audits, banks),
        "events": _events(tables, origin, audits, banks),
    }


def _council(tables, origin) -> list[dict]:
    rows = tables["council"]
    if len(rows) != 1:
        raise refuse(origin.table("council"), f"holds {len(rows)} rows; an export describes exactly one council.")
    where, row = origin.row("council", 0), rows[0]
    return [
        {
            "name": _clean(where, "name", validators.clean_name, row["name"]),
            "slug": _clean(where, "slug", validators.clean_slug, row["slug"]),
            "benchmark_opt_in": row["benchmark_opt_in"],
        }
    ]


def _services(tables, origin) -> list[dict]:
    out, seen = [], {}
    for i, row in enumerate(tables["services"]):
        where = origin.row("services", i)
        name = _clean(where, "name", validators.clean_name, row["name"])
        if name in seen:
            raise refuse(f"{where}, name", f"“{name}” is already in {seen[name]}.")
        seen[name] = origin.mention("services", i)
        out.append({"name": name})
    return out


def _members(tables, origin) -> list[dict]:
    out, seen = [], {}
    for i, row in enumerate(tables["members"]):
        where = origin.row("members", i)
        username = _clean(where, "username", validators.clean_username, row["username"])
        if username in seen:
            raise refuse(f"{where}, username", f"“{username}” is already in {seen[username]}: one role per council.")
        seen[username] = origin.mention("members", i)
        out.append(
            {
                "username": username,
                "first_name": _clean(
                    where, "first_name", validators.clean_name, row["first_name"], max_length=150, required=False
                ),
                "last_name": _clean(
                    where, "last_name", validators.clean_name, row["last_name"], max_length=150, required=False
                ),
                "email": _clean(where, "email", validators.clean_email, row["email"]),
                "role": _one_of(where, "role", row["role"], Role.values, "role"),
            }
        )
    return out


def _audits(tables, origin, service_names: set[str], banks) -> list[dict]:
    out, by_id, scopes, reopened = [], {}, {}, {}
    for i, row in enumerate(tables["audits"]):
        where = origin.row("audits", i)
        if row["id"] in by_id:
            raise refuse(f"{where}, id", f"{row['id']} is already the id of {by_id[row['id']]['_row']}.")
        service = row["service"]
        if service is not None:
            service = _clean(where, "service", validators.clean_name, service)
            if service not in service_names:
                raise refuse(f"{where}, service", f"“{service}” is not in the services table.")
        status = _one_of(where, "status", row["status"], AuditStatus.values, "status")
        if row["framework"] not in banks:
            raise refuse(f"{where}, framework", f"question bank “{row['framework'][:40]}” is not installed here.")
        audit = {
            "_where": where,  # for the refusals of the writer, which takes the rows in another order
            "_row": origin.mention("audits", i),
            "id": row["id"],
            "service": service,
            "period": _clean(where, "period", services.validate_period, row["period"]),
            "revision": _count(where, "revision", row["revision"]),
            "framework": row["framework"],
            "status": status,
            "version": _count(where, "version", row["version"]),
            "reopened_from": row["reopened_from"],
            "reopen_reason": _clean(where, "reopen_reason", validators.clean_text, row["reopen_reason"]),
            "return_comment": _clean(where, "return_comment", validators.clean_text, row["return_comment"]),
            "created_by": _clean(where, "created_by", validators.clean_username, row["created_by"]),
            **{name: _optional_username(where, name, row[name]) for name in USER_FIELDS[1:]},
            **{k: row[k] for k in ("created_at", "updated_at", "submitted_at", "returned_at", "approved_at")},
            "superseded_at": row["superseded_at"],
        }
        if status == AuditStatus.APPROVED and audit["approved_at"] is None:
            raise refuse(f"{where}, approved_at", "an approved audit needs the date it was approved.")
        if audit["superseded_at"] is not None and status != AuditStatus.APPROVED:
            raise refuse(f"{where}, superseded_at", "only an approved audit can be superseded.")
        scope = (service, audit["period"], audit["revision"])
        if scope in scopes:
            raise refuse(where, f"{scopes[scope]} is already revision {scope[2]} of this scope for {scope[1]}.")
        scopes[scope] = audit["_row"]
        by_id[row["id"]] = audit
        out.append(audit)
    for audit in out:  # every audit is known now: check what each was reopened from
        origin_id, where = audit["reopened_from"], audit["_where"]
        if origin_id is None:
            continue
        source = by_id.get(origin_id)
        if source is None or source is audit:
            raise refuse(f"{where}, reopened_from", f"audit {origin_id} is not another audit of the audits table.")
        if source["status"] != AuditStatus.APPROVED:
            raise refuse(f"{where}, reopened_from", f"audit {origin_id} is not approved: only approved audits reopen.")
        if (source["service"], source["period"]) != (audit["service"], audit["period"]):
            raise refuse(f"{where}, reopened_from", f"audit {origin_id} is of another scope or period.")
        if source["revision"] >= audit["revision"]:
            raise refuse(f"{where}, reopened_from", f"audit {origin_id} is not an earlier revision.")
        if origin_id in reopened:
            raise refuse(f"{where}, reopened_from", f"audit {origin_id} was already reopened as {reopened[origin_id]}.")
        reopened[origin_id] = audit["_row"]
    return out


def _audit_of(where: str, row, audits_by_id) -> dict:
    if row["audit"] not in audits_by_id:
        raise refuse(f"{where}, audit", f"audit {row['audit']} is not in the audits table.")
    return audits_by_id[row["audit"]]


def _question(where: str, code: str, audit: dict, banks) -> str:
    if code not in banks[audit["framework"]]:
        raise refuse(f"{where}, question", f"“{code[:40]}” is not a question of question bank {audit['framework']}.")
    return code


def _answers(tables, origin, audits, banks) -> list[dict]:
    by_id = {a["id"]: a for a in audits}
    out, seen = [], {}
    for i, row in enumerate(tables["answers"]):
        where = origin.row("answers", i)
        audit = _audit_of(where, row, by_id)
        code = _question(where, row["question"], audit, banks)
        if (row["audit"], code) in seen:
            raise refuse(where, f"{seen[row['audit'], code]} already answers {code} of audit {row['audit']}.")
        seen[row["audit"], code] = origin.mention("answers", i)
        try:
            validators.check_rating(row["rating"], row["dont_know"])
        except ValidationError as exc:
            raise refuse(f"{where}, rating", exc) from None
        out.append(
            {
                "audit": row["audit"],
                "question": code,
                "rating": row["rating"],
                "dont_know": row["dont_know"],
                "confidence": _one_of(where, "confidence", row["confidence"], ["", *Confidence.values], "confidence"),
                "evidence_notes": _clean(
                    where, "evidence_notes", validators.clean_evidence_notes, row["evidence_notes"]
                ),
                "evidence_links": _clean(
                    where, "evidence_links", validators.clean_evidence_links, row["evidence_links"]
                ),
                "audit_version": _count(where, "audit_version", row["audit_version"]),
                "answered_by": _optional_username(where, "answered_by", row["answered_by"]),
                "updated_at": row["updated_at"],
            }
        )
    return out


def _events(tables, origin, audits, banks) -> list[dict]:
    by_id = {a["id"]: a for a in audits}
    out = []
    for i, row in enumerate(tables["events"]):
        where = origin.row("events", i)
        audit = _audit_of(where, row, by_id)
        kind = _one_of(where, "kind", row["kind"], EventKind.values, "event kind")
        question = row["question"]
        if question is not None:
            question = _question(where, question, audit, banks)
        elif kind == EventKind.ANSWER:
            raise refuse(f"{where}, question", "an answer event needs the question it changed.")
        out.append(
            {
                "audit": row["audit"],
                "at": row["at"],
                "user": _optional_username(where, "user", row["user"]),
                "kind": kind,
                "question": question,
                "before": _history_values(where, "before", row["before"]),
                "after": _history_values(where, "after", row["after"]),
            }
        )
    return out
