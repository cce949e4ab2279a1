"""Perspectives: councillors, community organisations, resident groups and partners rating the
same questions as the officers, so that an audit shows where their views part.

Officers' answers (``audits.Answer``) stay the audit's score; nothing here changes them.
Writes go through ``perspectives.services``; what pages show is built in
``perspectives.comparison``.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from audits.models import Audit, Question


class PerspectiveKind(models.TextChoices):
    COUNCILLORS = "councillors", "Councillors"
    COMMUNITY = "community", "Community organisation"
    RESIDENTS = "residents", "Resident panel or group"
    PARTNER = "partner", "Partner"
    OTHER = "other", "Other"


#: Kinds whose aggregate is shown only from settings.PERSPECTIVE_MIN_GROUP (five by default).
PRIVATE_GROUP_KINDS = (PerspectiveKind.RESIDENTS.value,)


class Channel(models.TextChoices):
    MEMBERS = "members", "Councillors, signed in"
    LINK = "link", "Invitation link"
    WORKSHOP = "workshop", "Workshop, entered by an officer"


class Perspective(models.Model):
    """One voice beside the officers': the council's councillors (each signed in, rating on
    their own), an invited organisation answering through a link, or a group whose workshop
    results an officer keyed in."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="perspectives")
    kind = models.CharField(max_length=20, choices=PerspectiveKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    name = models.CharField(max_length=120, help_text="Shown to the council's members only.")
    respondents = models.PositiveIntegerField(
        default=1,
        help_text="How many people the answers speak for (workshop participants; members of an invited group). "
        "Councillors are counted from their answers.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audit_id", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PerspectiveKind.values), name="perspective_kind_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="perspective_channel_valid"),
            # The councillors are one perspective of an audit, and only they sign in to give it.
            models.CheckConstraint(
                condition=Q(kind="councillors", channel="members") | (~Q(kind="councillors") & ~Q(channel="members")),
                name="perspective_councillors_sign_in",
            ),
            models.UniqueConstraint(
                fields=["audit"], condition=Q(channel="members"), name="perspective_one_councillors_per_audit"
            ),
            models.UniqueConstraint(models.functions.Lower("name"), "audit", name="perspective_unique_name_per_audit"),
            models.CheckConstraint(condition=Q(respondents__gte=1), name="perspective_respondents_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


def token_hash(token: str) -> str:
    """How an invitation's token is stored: its SHA-256, so the database never holds a usable link."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class InvitationState(models.TextChoices):
    OPEN = "open", "Open"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    CLOSED = "closed", "Closed: the audit is approved"


class Invitation(models.Model):
    """The link through which an invited perspective answers. Only the token's hash is stored;
    the link is shown once when made (and can be e-mailed then); a new link replaces it."""

    perspective = models.OneToOneField(Perspective, on_delete=models.CASCADE, related_name="invitation")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    emailed_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    link_made_at = models.DateTimeField(default=timezone.now, help_text="When the current link was made.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Invitation of {self.perspective.name}"

    def state(self, now=None) -> str:
        """Whether the link takes answers, and if not why (one InvitationState value)."""
        if self.perspective.audit.status == "approved":
            return InvitationState.CLOSED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return InvitationState.EXPIRED
        return InvitationState.OPEN

    def state_label(self) -> str:
        return InvitationState(self.state()).label


class PerspectiveAnswer(models.Model):
    """One respondent's rating of one question: a councillor's (``user``), or an invited
    organisation's (``invitation``, the link it came through). Individual councillors'
    ratings are never shown: the councillors' perspective shows their median and spread."""

    perspective = models.ForeignKey(Perspective, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    invitation = models.ForeignKey(Invitation, on_delete=models.SET_NULL, related_name="answers", null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["perspective_id", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["perspective", "question", "user"],
                condition=Q(user__isnull=False),
                name="perspective_answer_one_per_councillor",
            ),
            models.UniqueConstraint(
                fields=["perspective", "question"],
                condition=Q(user__isnull=True),
                name="perspective_answer_one_per_question",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=4),
                name="perspective_answer_rating_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(dont_know=False), name="perspective_answer_rating_or_dont_know"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.perspective} – {self.question.code}"


class WorkshopTally(models.Model):
    """A group's answers to one question, keyed in by an officer after a workshop: how many
    participants chose each level, and "don't know". Individual answers are not recorded."""

    perspective = models.ForeignKey(Perspective, on_delete=models.CASCADE, related_name="tallies")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    rated_1 = models.PositiveIntegerField(default=0)
    rated_2 = models.PositiveIntegerField(default=0)
    rated_3 = models.PositiveIntegerField(default=0)
    rated_4 = models.PositiveIntegerField(default=0)
    dont_know = models.PositiveIntegerField(default=0)
    comment = models.TextField(blank=True, help_text="What the group said, in the officer's words.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["perspective_id", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["perspective", "question"], name="workshop_tally_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.perspective} – {self.question.code}"

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return (self.rated_1, self.rated_2, self.rated_3, self.rated_4)


class DivergenceNote(models.Model):
    """An officer's explanation of why the officers' rating of a question differs from another
    perspective's by two levels or more. A manager cannot approve while a divergence has none."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="divergence_notes")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    covers = models.JSONField(
        default=list,
        blank=True,
        help_text="The divergences the note was written for (perspective, its median, the officers' rating): "
        "a divergence that appears or changes afterwards needs the note looked at again.",
    )
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audit_id", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "question"], name="divergence_note_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.audit} – {self.question.code}"


class CouncillorRequest(models.Model):
    """A councillor of the council asked, by e-mail, to give their ratings of an audit."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="councillor_requests")
    councillor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(default=False, help_text="False: the councillor has no e-mail address, or it failed.")

    class Meta:
        ordering = ["audit_id", "asked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "councillor"], name="councillor_request_one_per_audit"),
        ]

    def __str__(self) -> str:
        return f"{self.councillor} asked to rate {self.audit}"
