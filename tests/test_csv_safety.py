"""The one rule for cells of CSV downloads (audits.csv_safety): nothing a spreadsheet reads as a formula."""

import csv
import io
from decimal import Decimal

import pytest

from audits.csv_safety import safe_cell, write_rows


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("https://evil.example","Click")', '\'=HYPERLINK("https://evil.example","Click")'),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Planning", "Planning"),
        ("a=b", "a=b"),  # only the first character counts
        ("", ""),
        # Numbers stay numbers, and so does text that is only a number.
        (-1.5, -1.5),
        (-3, -3),
        (Decimal("-2.5"), Decimal("-2.5")),
        ("-1.5", "-1.5"),
        ("+2", "+2"),
        ("-1e3", "-1e3"),
        (None, None),
    ],
)
def test_a_cell_that_could_start_a_formula_is_quoted(value, written):
    assert safe_cell(value) == written


def test_rows_are_written_with_every_cell_made_safe():
    out = io.StringIO()
    write_rows(out, [["name", "score"], ["=1+1", -2.5], ["Parks", "-2.5"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "score"], ["'=1+1", "-2.5"], ["Parks", "-2.5"]]
