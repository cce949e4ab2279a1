"""E-mails the app sends people about their work, and the kinds each person turned off.

Every e-mail is written into ``Email`` inside the transaction that caused it, then sent by a
background task once that transaction has committed (``notifications.tasks``): a slow or
broken mail server never slows or breaks a save, and an e-mail that failed is tried again.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    """What an e-mail is about. Its label is what the settings page offers to turn off."""

    SUBMITTED = "submitted", "An audit of your council is submitted for review"
    RETURNED = "returned", "An audit you worked on is returned to the officers"
    APPROVED = "approved", "An audit you worked on is approved"
    REOPENED = "reopened", "An audit you worked on is reopened"
    COMMENT = "comment", "A comment on an answer names you or replies to you"
    INVITATION = "invitation", "You are asked to give your ratings of an audit"
    ACTION = "action", "An action of a plan is given to you"
    DIGEST = "digest", "Daily digest: audits waiting for review for more than a week"


class TurnedOff(models.Model):
    """A kind of e-mail one person does not want. Every kind is on until turned off here."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="turned_off_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="turned_off_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: no {self.kind} e-mails"


class Email(models.Model):
    """One e-mail to one person, as written when it was caused, and what became of it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    to = models.EmailField(help_text="The address when the e-mail was written.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    #: Set for an e-mail that must go once only (a day's digest): a second one is not written.
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True, help_text="Set after the last failed attempt.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="email_key_once"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="email_kind_valid"),
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="email_recipient_recent")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    @property
    def state(self) -> str:
        if self.sent_at:
            return "sent"
        return "given up" if self.gave_up_at else "waiting"
