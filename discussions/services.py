"""Every write to comments: post one (opening or reopening the answer's thread) and resolve a
thread. Each is atomic, validated, logged, and tells the people concerned by e-mail."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audits.models import Answer, Audit, Membership, Question
from audits.permissions import council_workers
from audits.validators import MAX_NOTES, reject_control_characters
from notifications.models import Kind
from notifications.services import absolute, notify

from .models import Comment, Thread
from .permissions import DISCUSSERS, may_write

logger = logging.getLogger(__name__)


def _thread_for(audit: Audit, question: Question, user) -> Thread:
    thread = Thread.objects.select_for_update().filter(audit=audit, question=question).order_by().first()
    if thread is None:
        try:
            with transaction.atomic():
                thread = Thread.objects.create(audit=audit, question=question, opened_by=user, last_author=user)
        except IntegrityError:  # a colleague opened it a moment ago
            thread = Thread.objects.select_for_update().order_by().get(audit=audit, question=question)
    return thread


@transaction.atomic
def comment_post(*, audit: Audit, question: Question, user, body: str, to=None) -> Comment:
    """Add a comment to the answer's thread (opening it, or reopening it if resolved) and tell
    the person asked, the thread's earlier writers, the answer's author and the audit's lead."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write the comment first."})
    if len(body) > MAX_NOTES:
        raise ValidationError({"body": f"Keep a comment to {MAX_NOTES} characters; this one has {len(body)}."})
    reject_control_characters(body)
    if question.framework_id != audit.framework_id:
        raise ValidationError("That question is not one of this audit's.")
    if not may_write(audit):
        raise ValidationError("This audit is approved: its comments are closed and kept as they were.")
    if to is not None and (to.pk == user.pk or not council_workers(audit.council_id).filter(pk=to.pk).exists()):
        raise ValidationError({"to": "Ask an officer or manager of this council other than yourself."})
    thread = _thread_for(audit, question, user)
    now = timezone.now()
    comment = Comment.objects.create(thread=thread, author=user, to=to, body=body, created_at=now)
    Thread.objects.filter(pk=thread.pk).update(
        resolved_at=None,
        resolved_by=None,
        last_author=user,
        last_to=to,
        last_at=now,
        comments_count=F("comments_count") + 1,
    )
    earlier = set(Comment.objects.filter(thread=thread).values_list("author_id", flat=True))
    answer = Answer.objects.filter(audit=audit, question=question).only("answered_by_id").first()
    concerned = earlier | {audit.lead_id, answer.answered_by_id if answer else None, to.pk if to else None}
    members = Membership.objects.filter(
        council_id=audit.council_id, user_id__in=concerned - {None}, role__in=DISCUSSERS
    ).select_related("user")
    people = [m.user for m in members]
    for person in people:
        notify(
            kind=Kind.COMMENT,
            users=[person],
            besides=user,
            context={
                "audit": audit,
                "question": question,
                "comment": comment,
                "author_name": user.get_full_name() or user.get_username(),
                "asked": to is not None and person.pk == to.pk,
                "url": absolute(thread.get_absolute_url()),
            },
        )
    logger.info("comment %s on %s %s by %s", comment.pk, audit.pk, question.code, user)
    return comment


@transaction.atomic
def thread_resolve(*, thread: Thread, user) -> Thread:
    locked = Thread.objects.select_for_update().order_by().select_related("audit").get(pk=thread.pk)
    if locked.resolved_at is not None:
        return locked
    if not may_write(locked.audit):
        raise ValidationError("This audit is approved: its comments are closed and kept as they were.")
    locked.resolved_at, locked.resolved_by = timezone.now(), user
    locked.save(update_fields=["resolved_at", "resolved_by"])
    logger.info("thread %s resolved by %s", locked.pk, user)
    return locked
