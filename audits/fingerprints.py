"""A short digest of an answer as a page showed it, to tell what changed since.

Each step page carries, per question, the digest of the answer it loaded (the hidden
``<code>-loaded`` field). From it the form tells which answers the officer changed (only
those are saved) and the save tells whether the answer changed since that page loaded it,
whoever changed it (a colleague, or the same officer in another tab): that is a conflict.

The digest is four parts of 8 hex digits, one per group of fields below, so that a save
carrying only some fields can still tell whether those fields changed.
"""

from __future__ import annotations

import hashlib

#: The answer's fields in the groups a form edits together (one rating control sets both
#: ``rating`` and ``dont_know``).
FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("rating", "dont_know"),
    ("confidence",),
    ("evidence_notes",),
    ("evidence_links",),
)
PART = 8
LENGTH = PART * len(FIELD_GROUPS)


def normalised(values: dict) -> dict:
    """An answer's values as a form would post them back: notes stripped, links one per line."""
    links = [line.strip() for line in (values.get("evidence_links") or "").splitlines() if line.strip()]
    return {
        "rating": values.get("rating"),
        "dont_know": bool(values.get("dont_know")),
        "confidence": values.get("confidence") or "",
        "evidence_notes": (values.get("evidence_notes") or "").strip(),
        "evidence_links": "\n".join(links),
    }


def _part(values: dict, group: tuple[str, ...]) -> str:
    return hashlib.sha256(repr(tuple(values[name] for name in group)).encode()).hexdigest()[:PART]


def fingerprint(values: dict) -> str:
    """The digest of an answer's values (a dict of the answer's fields; missing ones empty)."""
    values = normalised(values)
    return "".join(_part(values, group) for group in FIELD_GROUPS)


def is_valid(digest: str | None) -> bool:
    return bool(digest) and len(digest) == LENGTH and all(c in "0123456789abcdef" for c in digest)


def changed_fields(values: dict, given: frozenset[str], loaded: str | None) -> bool:
    """Do the ``given`` fields of ``values`` differ from the answer the page loaded? Without a
    valid digest of what was loaded, every answer that a request carries counts as changed."""
    if not is_valid(loaded):
        return True
    values = normalised(values)
    return any(
        _part(values, group) != loaded[i * PART : (i + 1) * PART]
        for i, group in enumerate(FIELD_GROUPS)
        if given & set(group)
    )
