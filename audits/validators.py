"""The rules for what a user or a file may put in a text field, in one place.

The web forms (``audits.forms``) and the import (``audits.transfer``) call these same
functions, so that a file cannot hold what a form would refuse.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug

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


#: Characters that end a line. A name (of a council, a service, a person) is one line.
_LINE_BREAKS = frozenset("\n\r\t\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def clean_name(value: str, *, max_length: int = 200, required: bool = True) -> str:
    """A name on one line, as stored: stripped, not empty (unless not ``required``), no
    line breaks or tabs, no control characters, at most ``max_length`` characters."""
    reject_control_characters(value)
    value = value.strip()
    if set(value) & _LINE_BREAKS:
        raise ValidationError("A name is one line: remove the line breaks and tabs.", code="name_lines")
    if required and not value:
        raise ValidationError("A name cannot be empty.", code="required")
    if len(value) > max_length:
        raise ValidationError(
            f"A name can be at most {max_length} characters; this one has {len(value)}.", code="name_length"
        )
    return value


def clean_slug(value: str, *, max_length: int = 200) -> str:
    """A slug as it appears in addresses (``/councils/ynys-mon/``): Django's slug validator
    (ASCII letters, digits, hyphens and underscores), at most ``max_length`` characters."""
    validate_slug(value)
    if len(value) > max_length:
        raise ValidationError(f"A slug can be at most {max_length} characters; this one has {len(value)}.")
    return value


def clean_text(value: str, *, max_length: int = MAX_NOTES) -> str:
    """Free text typed in a form (a reason, a comment), as stored: stripped, line breaks
    allowed, no control characters, at most ``max_length`` characters."""
    reject_control_characters(value)
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(
            f"This text can be at most {max_length} characters; it has {len(value)}.", code="text_length"
        )
    return value


def clean_username(value: str) -> str:
    """A username as the user model accepts it (its own validators: letters, digits and
    @.+-_, at most 150 characters), never empty."""
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    reject_control_characters(value)
    if not value:
        raise ValidationError("A username cannot be empty.", code="required")
    field.run_validators(value)
    return value


def clean_email(value: str) -> str:
    """An e-mail address, or empty."""
    reject_control_characters(value)
    if value:
        validate_email(value)
    if len(value) > 254:
        raise ValidationError(f"An e-mail address can be at most 254 characters; this one has {len(value)}.")
    return value


def check_rating(rating: int | None, dont_know: bool) -> None:
    """A rating is 1 to 4, or none; "don't know" is never given with a rating."""
    if rating is not None and not 1 <= rating <= 4:
        raise ValidationError("Choose a rating from 1 to 4.", code="rating")
    if rating is not None and dont_know:
        raise ValidationError("Choose a rating or “don't know”, not both.", code="rating")
