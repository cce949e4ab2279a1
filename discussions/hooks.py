"""Where comments show: beside each question of the step and review pages, on the audit's
page (its open threads) and under "Needs your action", through ``audits.extensions``."""

from __future__ import annotations

from audits import extensions, question_bank
from audits.extensions import Panel

from . import selectors
from .permissions import may_discuss, may_write

#: How many threads waiting for a reply the audit list shows (the rest are counted).
WAITING_SHOWN = 10


def _note(thread) -> Panel:
    return Panel("discussions/question_note.html", thread)


def _notes(audit, questions, threads) -> dict[str, Panel]:
    """Each question's thread, or a link to start one (while the audit is open to comments)."""
    start = may_write(audit)
    return {
        q.code: _note(threads[q.code]) if q.code in threads else Panel("discussions/comment_link.html", q)
        for q in questions
        if q.code in threads or start
    }


def question_notes(audit, factor: str) -> dict[str, Panel]:
    """The step page's threads (shown to officers, who fill the page in; the templates hide
    them from councillors on a read-only step)."""
    questions = question_bank.factor_questions(audit.framework_id, factor)
    return _notes(audit, questions, selectors.threads_by_code(audit, factor=factor))


def review_notes(request, audit) -> dict[str, Panel]:
    if not may_discuss(request.user, audit.council_id):
        return {}
    return _notes(audit, question_bank.questions(audit.framework_id), selectors.threads_by_code(audit))


def notes_stamp(request, audit) -> str:
    """Who may see the notes, whether new threads may start, and the audit's threads' state."""
    if not may_discuss(request.user, audit.council_id):
        return "-"
    return f"{int(may_write(audit))}.{selectors.audit_threads_stamp(audit)}"


def audit_panel(request, audit) -> Panel | None:
    if not may_discuss(request.user, audit.council_id):
        return None
    threads = selectors.open_threads(audit)
    return Panel("discussions/audit_panel.html", threads) if threads else None


def needs_action(request) -> Panel | None:
    shown, total = selectors.waiting_shown(request.user, WAITING_SHOWN)
    if not shown:
        return None
    return Panel("discussions/needs_action.html", {"threads": shown, "more": total - len(shown)})


def register() -> None:
    extensions.register(
        question_notes=question_notes,
        review_notes=review_notes,
        audit_panel=audit_panel,
        review_panel=audit_panel,  # the open threads, listed before the answers
        needs_action=needs_action,
        needs_action_stamp=lambda request: selectors.threads_stamp(request.user),
        question_notes_stamp=notes_stamp,
        review_notes_stamp=notes_stamp,
    )
