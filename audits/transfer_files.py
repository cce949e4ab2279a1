"""The export's file formats: one JSON file, or a folder with one CSV file per table.

Both hold the same tables (``SCHEMA``). Reading a file checks its shape (every table there,
rows with exactly the table's columns) and the type of every value (text, whole number,
date…), and remembers where each row was, so that every refusal names the file, table and
row. The rules about what the values may be come after, in ``audits.transfer_checks``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from .transfer_checks import Origin, refuse

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


# and remembers where each row was, so that every refusal can name the file, table and row.

_TYPES = {
    "str": "text",
    "int": "a whole number",
    "bool": "true or false",
    "datetime": "a date and time with its time zone, such as 2026-04-01T09:30:00+00:00",
    "json": "JSON",
}
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass
class Export:
    """Tables read from a file, and where they came from."""

    tables: dict[str, list[dict]]
    origin: Origin


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


class _ConstantRefused(ValueError):
    def __init__(self, name: str):
        self.name = name
        super().__init__(f"{name} is not a number JSON allows")


def _refuse_constant(name: str):
    raise _ConstantRefused(name)


def _line_of_constant(text: str, name: str) -> int | None:
    """The line of the first bare NaN or Infinity (as a value, after ":", "[" or ",")."""
    match = re.search(r"[:\[,]\s*-?" + re.escape(name.lstrip("-")) + r"\b", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"the key “{repeated[0][:40]}” appears twice in one object")
    return dict(pairs)


def _load_json(text: str):
    return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicate_keys)


def _parse_datetime(text: str) -> datetime:
    value = parse_datetime(text)  # None when the text is not a date, ValueError when no such day
    if value is None or value.tzinfo is None:
        raise ValueError(text)
    try:
        value.astimezone(UTC)  # the database stores UTC: 9999-12-31T23:00-05:00 is past its end
    except OverflowError:
        raise ValueError(text) from None
    return value


def _from_text(text: str, kind: str, where: str):
    """A CSV cell as a value of its column's type; an empty cell is None in optional columns."""
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if text == "" and optional:
        return None
    try:
        if kind == "str":
            return text
        if kind == "int":
            if not _INTEGER.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if kind == "bool":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if kind == "datetime":
            return _parse_datetime(text)
        if kind == "json":
            return _load_json(text)
    except (ValueError, RecursionError):
        raise refuse(where, f"“{text[:40]}” is not {_TYPES[kind]}.") from None
    raise AssertionError(kind)


def _from_json_value(value, kind: str, where: str):
    """A JSON value as a value of its column's type: the same types as CSV, checked strictly
    (a number in quotes is text, not a number)."""
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    try:  # JSON can spell text that is not Unicode: a lone surrogate such as "\\ud800"
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise refuse(where, "holds an escape (such as \\ud800) that is not a Unicode character.") from None
    if kind == "json":
        return value
    if optional and value in (None, ""):
        return None
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "int" and type(value) is int:
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "datetime" and isinstance(value, str):
        try:
            return _parse_datetime(value)
        except ValueError:
            raise refuse(where, f"“{value[:40]}” is not {_TYPES[kind]}.") from None
    shown = "null" if value is None else json.dumps(value, ensure_ascii=False)[:40]
    raise refuse(where, f"{shown} is not {_TYPES[kind]}{' or null' if optional else ''}.")


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{name} line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 text. "
            "Save the file as UTF-8 (export_audits always does)."
        ) from None


def to_json(tables: dict[str, list[dict]]) -> str:
    document = {"format": FORMAT, "version": FORMAT_VERSION, "tables": tables}
    return json.dumps(
        document, ensure_ascii=False, indent=1, default=lambda v: v.isoformat() if isinstance(v, datetime) else v
    )


def from_json(data: bytes | str, name: str = "the file") -> Export:
    """Read a JSON export. Every table must be there (an empty table is an empty list), with
    rows that are objects holding exactly the table's columns."""
    origin = Origin(name)
    text = _decode(data, name) if isinstance(data, bytes) else data
    try:
        document = _load_json(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{name} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except _ConstantRefused as exc:
        line = _line_of_constant(text, exc.name)
        where = f" (line {line})" if line else ""
        raise ValidationError(f"{name} is not JSON that an export holds: {exc}{where}.") from None
    except (ValueError, RecursionError) as exc:
        raise ValidationError(f"{name} is not JSON that an export holds: {exc or 'nested too deeply'}.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError(f"{name} is not a CLEAR Audit export.")
    version = document.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValidationError(f"{name}: export format version {version} is not supported (expected 1).")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise ValidationError(f"{name}: “tables” should be an object holding the tables {', '.join(SCHEMA)}.")
    for table in tables:
        if table not in SCHEMA:
            raise ValidationError(f"{name}: unknown table “{table[:40]}” (an export holds {', '.join(SCHEMA)}).")
    out = {}
    for table, columns in SCHEMA.items():
        if table not in tables:
            raise ValidationError(
                f"{name}: the table “{table}” is missing. An export holds every table, an empty one as []."
            )
        rows = tables[table]
        if not isinstance(rows, list):
            raise refuse(origin.table(table), "should be a list of rows, [ {…}, {…} ].")
        out[table] = []
        for i, row in enumerate(rows):
            where = origin.row(table, i)
            if not isinstance(row, dict):
                raise refuse(where, f"a row should be an object with the columns {', '.join(columns)}.")
            for column in row:
                if column not in columns:
                    raise refuse(where, f"unknown column “{column[:40]}”.")
            for column in columns:
                if column not in row:
                    raise refuse(where, f"the column “{column}” is missing.")
            out[table].append(
                {col: _from_json_value(row[col], kind, f"{where}, {col}") for col, kind in columns.items()}
            )
    return Export(out, origin)


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


def from_csv_files(folder: Path) -> Export:
    """Read a folder of CSV files, one per table, each with its header line."""
    tables, lines = {}, {}
    for name, columns in SCHEMA.items():
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise ValidationError(f"{path} is missing: a CSV export is a folder with {', '.join(SCHEMA)}.csv.")
        reader = csv.reader(io.StringIO(_decode(path.read_bytes(), str(path)), newline=""))
        tables[name], lines[name] = [], []
        try:
            if next(reader, None) != list(columns):
                raise ValidationError(f"{path} line 1: the columns should be {', '.join(columns)}.")
            while True:
                start = reader.line_num + 1
                cells = next(reader, None)
                if cells is None:
                    break
                if not cells:
                    continue  # a blank line
                if len(cells) != len(columns):
                    raise ValidationError(
                        f"{path} line {start}: {len(cells)} cells where the table has {len(columns)} columns "
                        f"({', '.join(columns)})."
                    )
                where = f"{path} line {start}"
                tables[name].append(
                    {
                        col: _from_text(cell, kind, f"{where}, {col}")
                        for (col, kind), cell in zip(columns.items(), cells, strict=True)
                    }
                )
                lines[name].append(start)
        except csv.Error as exc:
            raise ValidationError(f"{path} line {reader.line_num}: {exc}.") from None
    return Export(tables, Origin(str(folder), lines))


def read_export(path: Path) -> Export:
    """Read what export_audits wrote: a JSON file, or a folder of CSV files."""
    if path.is_dir():
        return from_csv_files(path)
    return from_json(path.read_bytes(), str(path))
