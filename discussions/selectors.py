"""Reads of comments: an audit's threads by question, its open ones, and those waiting for
someone's reply. Query counts do not grow with the threads shown."""

from __future__ import annotations

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet

from audits.models import AuditStatus
from audits.permissions import roles_of

from .models import Comment, Thread
from .permissions import DISCUSSERS


def _with_comments(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    return threads.select_related("question", "resolved_by", "last_author").prefetch_related(
        Prefetch("comments", queryset=Comment.objects.select_related("author", "to"))
    )


def threads_by_code(audit, *, factor: str | None = None) -> dict[str, Thread]:
    threads = Thread.objects.filter(audit=audit)
    if factor:
        threads = threads.filter(question__factor=factor)
    return {t.question.code: t for t in _with_comments(threads)}


def _summary(audit) -> dict:
    """How many threads the audit has, how many are open, and when they last changed: one
    small query, kept on the audit object for the rest of the request."""
    summary = getattr(audit, "_clear_threads_summary", None)
    if summary is None:
        # At most one thread per question: the rows are few, and read faster than aggregated.
        rows = list(Thread.objects.filter(audit=audit).values_list("resolved_at", "comments_count", "last_at"))
        summary = {
            "n": len(rows),
            "open": sum(1 for resolved, _, _ in rows if resolved is None),
            "comments": sum(n for _, n, _ in rows),
            "last": max((last for _, _, last in rows), default=None),
            "resolved": max((resolved for resolved, _, _ in rows if resolved), default=None),
        }
        audit._clear_threads_summary = summary
    return summary


def open_threads(audit) -> list[Thread]:
    """The audit's open threads in the questions' order (none read when the stamp, read first
    on the same request, found none open)."""
    summary = getattr(audit, "_clear_threads_summary", None)
    if summary is not None and not summary["open"]:
        return []
    return list(
        Thread.objects.filter(audit=audit, resolved_at=None)
        .select_related("question", "last_author")
        .order_by("question__order", "question__code")
    )


def waiting_for(user) -> QuerySet[Thread]:
    """Open threads of the user's councils whose latest comment asks them, or, asking nobody in
    particular, follows a comment of theirs or concerns an audit they lead; never their own."""
    councils = [c for c, role in roles_of(user).items() if role in DISCUSSERS]
    wrote = Comment.objects.filter(thread=OuterRef("pk"), author=user)
    return (
        Thread.objects.filter(resolved_at=None, audit__council_id__in=councils)
        .exclude(audit__status=AuditStatus.APPROVED)
        .exclude(last_author=user)
        .filter(Q(last_to=user) | Q(last_to=None) & (Q(audit__lead=user) | Exists(wrote)))
        .order_by("last_at")
    )


def waiting_shown(user, limit: int) -> tuple[list[Thread], int]:
    """The first ``limit`` threads waiting for the user, and how many wait. A slim query of ids
    first (read on every view of the audit list), then the threads shown, only if any."""
    ids = list(waiting_for(user).values_list("pk", flat=True)[:500])
    if not ids:
        return [], 0
    threads = Thread.objects.select_related("audit__council", "audit__service", "question", "last_author").in_bulk(
        ids[:limit]
    )
    return [threads[pk] for pk in ids[:limit]], len(ids)


def audit_threads_stamp(audit) -> str:
    """Changes whenever a thread of the audit appears, gets a comment, or is resolved."""
    row = _summary(audit)
    last, resolved = (row[k] and row[k].timestamp() for k in ("last", "resolved"))
    return f"{row['n']}.{row['comments']}.{last}.{resolved}"


def threads_stamp(user) -> str:
    """Changes whenever a thread of the user's councils gets a comment, is resolved or appears."""
    councils = [c for c, role in roles_of(user).items() if role in DISCUSSERS]
    row = Thread.objects.filter(audit__council_id__in=councils).aggregate(
        n=Count("pk"), last=Max("last_at"), resolved=Max("resolved_at")
    )
    return f"{row['n']}.{row['last'] and row['last'].timestamp()}.{row['resolved'] and row['resolved'].timestamp()}"
