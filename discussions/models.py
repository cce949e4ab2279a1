"""Comments on one answer of an audit: a manager asks about CD3, the officer replies.

Each answer has one thread (``Thread``); it is open until someone resolves it, and a new
comment opens it again. The thread keeps who wrote last and to whom, so that "waiting for
your reply" is one indexed query.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, Question


class Thread(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="threads")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    #: The latest comment's author, addressee and time (kept by discussions.services).
    last_author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True)
    last_at = models.DateTimeField(default=timezone.now)
    comments_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["audit_id", "question__order"]  # not "audit": that would join its scope
        constraints = [
            models.UniqueConstraint(fields=["audit", "question"], name="thread_one_per_answer"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False), name="thread_resolved_by_someone"
            ),
        ]
        indexes = [
            models.Index(fields=["last_to"], condition=Q(resolved_at__isnull=True), name="thread_open_last_to"),
        ]

    def __str__(self) -> str:
        return f"{self.audit}: {self.question.code}"

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", args=[self.audit_id, self.question.code])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Comment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text="The colleague asked to reply (told by e-mail).",
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.thread}: {self.body[:40]}"
