"""The rules for what a user or a file may put in a text field, in one place.

The web forms (``audits.forms``) and the import (``audits.transfer``) call these same
functions, so that a file cannot hold what a form would refuse.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_NOTES = 5000
MAX_LINKS = 10
MAX_LINK_LENGTH = 500

#: Bidirectional embedding, override and isolate controls: they can make text read in another
#: order than it is stored ("Trojan source"), e.g. to disguise a name or a link.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_url = URLValidator(schemes=["http", "https"])


def reject_control_characters(value: str) -> None:
    """Text may hold line breaks and tabs, but no other invisible control characters, and no
    characters that reverse the direction of the text around them."""
    bad = sorted(
        {c for c in value if unicodedata.category(c) == "Cc" and c not in "\n\r\t"} | (set(value) & BIDI_CONTROLS)
    )
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise ValidationError(
            f"Remove the invisible control characters ({codes}), often pasted from other programs.",
            code="control_characters",
        )


def clean_evidence_links(value: str) -> str:
    """Evidence links as stored: one http(s) address per line, blank lines dropped."""
    reject_control_characters(value)
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise ValidationError(f"Give at most {MAX_LINKS} links; you gave {len(lines)}.", code="links")
    bad = []
    for line in lines:
        try:
            if len(line) > MAX_LINK_LENGTH:
                raise ValidationError("too long")
            _url(line)
        except ValidationError:
            bad.append(line if len(line) <= 80 else line[:77] + "…")
    if bad:
        raise ValidationError(
            "These are not web addresses starting with http:// or https://: " + ", ".join(bad), code="links"
        )
    return "\n".join(lines)


def clean_evidence_notes(value: str) -> str:
    """Evidence notes as stored: stripped, at most MAX_NOTES characters, never cut short."""
    reject_control_characters(value)
    value = value.strip()
    if len(value) > MAX_NOTES:
        raise ValidationError(
            f"Evidence notes can be at most {MAX_NOTES} characters; these have {len(value)}. "
            "Shorten them, or put the detail in a linked document.",
            code="notes_length",
        )
    return value
