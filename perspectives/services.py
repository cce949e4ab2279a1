"""Every write to perspectives goes through these functions: atomic, validated before saving,
logged. Permission checks (which role) are the caller's, through ``perspectives.permissions``;
the rules about state (no answer once the audit is approved or the link is closed) are here.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from audits.models import Audit, AuditEvent, AuditStatus, EventKind, Membership, Question, Role
from notifications.models import Kind
from notifications.services import notify

from .comparison import comparison
from .models import (
    Channel,
    CouncillorRequest,
    DivergenceNote,
    Invitation,
    InvitationState,
    Perspective,
    PerspectiveAnswer,
    PerspectiveKind,
    WorkshopTally,
    token_hash,
)

logger = logging.getLogger(__name__)

#: The longest a link may stay valid.
MAX_LINK_DAYS = 366
COMMENT_MAX = 2000
NOTE_MAX = 2000
NAME_MAX = 120
MAX_RESPONDENTS = 100_000
#: The councillors' perspective's name (one per audit; no other perspective may take it).
COUNCILLORS_NAME = "Councillors"


class PerspectiveClosedError(ValidationError):
    """The audit or the link no longer takes answers."""


def _require_open_audit(audit: Audit) -> None:
    if audit.status == AuditStatus.APPROVED:
        raise PerspectiveClosedError(
            "This audit is approved, so its perspectives are closed: nothing more can be added.", code="approved"
        )


def _clean_name(audit: Audit, name: str, *, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the name of the organisation or group."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Names have at most {NAME_MAX} characters."})
    if name.casefold() == COUNCILLORS_NAME.casefold():
        raise ValidationError(
            {"name": f"“{COUNCILLORS_NAME}” is the name of the councillors' own perspective: choose another."}
        )
    # The same comparison as the database's unique constraint (on Lower(name)).
    taken = Perspective.objects.annotate(lower=Lower("name")).filter(audit=audit, lower=Lower(Value(name)))
    if taken.exclude(pk=exclude).exists():
        raise ValidationError({"name": f"This audit already has a perspective named “{name}”: choose another name."})
    return name


def _clean_respondents(respondents: int) -> int:
    if not 1 <= respondents <= MAX_RESPONDENTS:
        raise ValidationError({"respondents": f"Give a number from 1 to {MAX_RESPONDENTS:,}."})
    return respondents


def default_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(days=settings.PERSPECTIVE_LINK_DAYS)


def _clean_expiry(expires_at: datetime, now: datetime) -> datetime:
    if expires_at <= now:
        raise ValidationError({"expires_on": "Choose a date after today."})
    if expires_at > now + timedelta(days=MAX_LINK_DAYS):
        raise ValidationError({"expires_on": f"A link can stay valid for at most {MAX_LINK_DAYS} days."})
    return expires_at


@dataclass(frozen=True)
class NewLink:
    invitation: Invitation
    token: str  # shown once; only its hash is stored


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _lock(audit: Audit) -> Audit:
    return Audit.objects.select_for_update().get(pk=audit.pk)


def _create_perspective(locked: Audit, user, *, kind: str, channel: str, name: str, respondents: int) -> Perspective:
    """A new invited or workshop perspective of an open audit (its row locked by the caller):
    any kind but the councillors', who sign in; a name taken meanwhile is a message, not a
    server error."""
    _require_open_audit(locked)
    if kind not in PerspectiveKind.values or kind == PerspectiveKind.COUNCILLORS:
        raise ValidationError({"kind": "Councillors rate while signed in; choose another kind."})
    fields = {
        "audit": locked,
        "kind": kind,
        "channel": channel,
        "name": _clean_name(locked, name),
        "respondents": _clean_respondents(respondents),
        "created_by": user,
    }
    try:
        with transaction.atomic():
            return Perspective.objects.create(**fields)
    except IntegrityError:
        raise ValidationError(
            {"name": f"This audit already has a perspective named “{fields['name']}”: choose another name."}
        ) from None


@transaction.atomic
def invitation_create(
    *, audit: Audit, user, kind: str, name: str, respondents: int = 1, expires_at: datetime | None = None
) -> NewLink:
    """Invite an organisation, group or partner to rate the audit's questions through a link."""
    locked = _lock(audit)
    now = timezone.now()
    perspective = _create_perspective(locked, user, kind=kind, channel=Channel.LINK, name=name, respondents=respondents)
    token, hashed = _new_token()
    invitation = Invitation.objects.create(
        perspective=perspective,
        token_hash=hashed,
        expires_at=_clean_expiry(expires_at or default_expiry(now), now),
        link_made_at=now,
        created_by=user,
    )
    logger.info("invitation %s for audit %s made by %s", invitation.pk, audit.pk, user)
    return NewLink(invitation, token)


@transaction.atomic
def invitation_new_link(*, invitation: Invitation, user, expires_at: datetime | None = None) -> NewLink:
    """Replace the invitation's link (the old one stops working), e.g. when it was lost; a
    revoked or expired invitation opens again. What was answered stays."""
    locked = Invitation.objects.select_for_update().select_related("perspective__audit").get(pk=invitation.pk)
    _require_open_audit(locked.perspective.audit)
    now = timezone.now()
    token, hashed = _new_token()
    locked.token_hash = hashed
    locked.link_made_at = now
    locked.expires_at = _clean_expiry(expires_at or max(locked.expires_at, default_expiry(now)), now)
    locked.revoked_at = locked.revoked_by = None
    locked.save(update_fields=["token_hash", "link_made_at", "expires_at", "revoked_at", "revoked_by"])
    logger.info("invitation %s given a new link by %s", locked.pk, user)
    return NewLink(locked, token)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, user) -> Invitation:
    """Stop the link taking answers; what was already answered stays and is still compared."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.revoked_at is None:
        locked.revoked_at, locked.revoked_by = timezone.now(), user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        logger.info("invitation %s revoked by %s", locked.pk, user)
    return locked


def invitation_email(*, invitation: Invitation, link: str, to: str, user) -> None:
    """E-mail a freshly made link. Raises OSError (or an SMTP error) when the mail server refuses."""
    perspective = invitation.perspective
    audit = perspective.audit
    expires = timezone.localtime(invitation.expires_at)
    body = (
        f"Hello,\n\n"
        f"{audit.council.name} is reviewing how people take part in its decisions, using the CLEAR "
        f"framework, and would like the view of {perspective.name}.\n\n"
        f"Please rate the questions at this link:\n{link}\n\n"
        f'Each question describes four levels; choose the one closest to what you see, or "don\'t know", '
        f"and add a comment if you wish. Your answers save as you go, and you can come back through the same "
        f"link until {expires:%-d %B %Y} or until the council approves the audit.\n\n"
        f"Keep this link to yourselves: anyone who has it can answer for {perspective.name}.\n\n"
        f"Sent on behalf of {user.get_full_name() or user.get_username()}, {audit.council.name}."
    )
    send_mail(
        f"{audit.council.name} asks for your view on local participation",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
    )
    Invitation.objects.filter(pk=invitation.pk).update(emailed_to=to, emailed_at=timezone.now())
    logger.info("invitation %s e-mailed by %s", invitation.pk, user)


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state; None for a token that is not one."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("perspective__audit__council", "perspective__audit__framework")
        .filter(token_hash=token_hash(token))
        .first()
    )


@dataclass(frozen=True)
class RatingData:
    """One answer as given: a level 1–4, "don't know", or neither (a comment on its own)."""

    rating: int | None
    dont_know: bool
    comment: str


def _clean_rating(data: RatingData) -> RatingData:
    if data.rating is not None and not 1 <= data.rating <= 4:
        raise ValidationError("Choose a level from 1 to 4, or “don't know”.")
    if data.rating is not None and data.dont_know:
        raise ValidationError("Choose a level or “don't know”, not both.")
    comment = data.comment.replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"Comments have at most {COMMENT_MAX:,} characters; this one has {len(comment):,}.")
    return RatingData(data.rating, data.dont_know, comment)


def _check_question(audit: Audit, question: Question) -> None:
    if question.framework_id != audit.framework_id:
        raise ValidationError("That question is not one of this audit's.")


@transaction.atomic
def answers_save_by_link(*, invitation: Invitation, answers: dict[Question, RatingData]) -> int:
    """Save an invited organisation's answers; returns how many changed. Refused once the link
    is closed, expired or revoked (what was answered before stays)."""
    locked = Invitation.objects.select_for_update().select_related("perspective__audit").get(pk=invitation.pk)
    state = locked.state()
    if state != InvitationState.OPEN:
        raise PerspectiveClosedError(closed_message(state), code=state)
    now = timezone.now()
    changed = _save(locked.perspective, answers, user=None, invitation=locked, now=now)
    locked.last_used_at = now
    locked.save(update_fields=["last_used_at"])
    return changed


@transaction.atomic
def councillors_perspective(*, audit: Audit, user) -> Perspective:
    """The audit's councillors' perspective, made when the first councillor opens it."""
    perspective = Perspective.objects.filter(audit=audit, channel=Channel.MEMBERS).first()
    if perspective is not None:
        return perspective
    try:
        with transaction.atomic():
            return Perspective.objects.create(
                audit=audit,
                kind=PerspectiveKind.COUNCILLORS,
                channel=Channel.MEMBERS,
                name=COUNCILLORS_NAME,
                created_by=user,
            )
    except IntegrityError:  # another councillor made it at the same moment, or a group took the name
        found = Perspective.objects.filter(audit=audit, channel=Channel.MEMBERS).first()
        if found is None:
            raise
        return found


@transaction.atomic
def answers_save_by_councillor(*, audit: Audit, user, answers: dict[Question, RatingData]) -> int:
    locked = _lock(audit)
    _require_open_audit(locked)
    perspective = councillors_perspective(audit=locked, user=user)
    return _save(perspective, answers, user=user, invitation=None, now=timezone.now())


def _save(perspective: Perspective, answers: dict[Question, RatingData], *, user, invitation, now) -> int:
    cleaned = {}
    for question, data in answers.items():
        _check_question(perspective.audit, question)
        cleaned[question] = _clean_rating(data)
    existing = {
        a.question_id: a
        for a in PerspectiveAnswer.objects.select_for_update().filter(
            perspective=perspective, user=user, question__in=[q.pk for q in cleaned]
        )
    }
    changed = 0
    for question, data in cleaned.items():
        row = existing.get(question.pk)
        values = (data.rating, data.dont_know, data.comment)
        if row is not None and (row.rating, row.dont_know, row.comment) == values:
            continue
        if row is None and values == (None, False, ""):
            continue
        row = row or PerspectiveAnswer(perspective=perspective, question=question, user=user)
        row.rating, row.dont_know, row.comment = values
        row.invitation, row.answered_at = invitation, now
        row.save()
        changed += 1
    return changed


def closed_message(state: str) -> str:
    return {
        InvitationState.CLOSED: "The audit these questions belong to is now approved, so this link is closed. "
        "Thank you: the answers given before stay part of it.",
        InvitationState.EXPIRED: "This link has expired. If you still want to answer, ask the council for a new link.",
        InvitationState.REVOKED: "This link has been withdrawn by the council. If you think this is a mistake, ask "
        "the person who sent it.",
    }.get(state, "This link does not take answers.")


# -- Asking the councillors ------------------------------------------------------------------


@transaction.atomic
def councillors_ask(*, audit: Audit, user, councillors: list, rate_url: str) -> list[CouncillorRequest]:
    """E-mail each councillor (members of the audit's council with the councillor role) a
    request to give their ratings, with the address of their rating page (sent by the task
    queue after the commit, retried if the mail server fails). Asking again sends a reminder
    and moves the date. Returns the requests, ``emailed`` False where the councillor has no
    e-mail address or turned these e-mails off."""
    _require_open_audit(audit)
    allowed = set(
        Membership.objects.filter(council_id=audit.council_id, role=Role.COUNCILLOR).values_list("user_id", flat=True)
    )
    strangers = [c for c in councillors if c.pk not in allowed]
    if strangers:
        raise ValidationError({"councillors": "Only councillors of this council can be asked."})
    now = timezone.now()
    context = {"audit": audit, "url": rate_url, "actor_name": user.get_full_name() or user.get_username()}
    requests = []
    for councillor in councillors:
        emailed = bool(notify(kind=Kind.INVITATION, users=[councillor], context=context))
        request, _ = CouncillorRequest.objects.update_or_create(
            audit=audit,
            councillor=councillor,
            defaults={"asked_by": user, "asked_at": now, "emailed": emailed},
        )
        requests.append(request)
    logger.info("audit %s: %s councillors asked by %s", audit.pk, len(requests), user)
    return requests


# -- Workshops -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyData:
    counts: tuple[int, int, int, int]
    dont_know: int
    comment: str


@transaction.atomic
def workshop_create(*, audit: Audit, user, kind: str, name: str, participants: int) -> Perspective:
    locked = _lock(audit)
    perspective = _create_perspective(
        locked, user, kind=kind, channel=Channel.WORKSHOP, name=name, respondents=participants
    )
    logger.info("workshop perspective %s for audit %s made by %s", perspective.pk, audit.pk, user)
    return perspective


@transaction.atomic
def workshop_save(
    *, perspective: Perspective, user, participants: int, name: str, tallies: dict[Question, TallyData]
) -> int:
    """Save a workshop's results: per question, how many participants chose each level. Every
    question is checked first; nothing is saved unless all are right."""
    audit = _lock(perspective.audit)
    _require_open_audit(audit)
    locked = Perspective.objects.select_for_update().get(pk=perspective.pk)
    if locked.channel != Channel.WORKSHOP:
        raise ValidationError("Only a workshop's results are keyed in by an officer.")
    participants = _clean_respondents(participants)
    errors = {}
    for question, data in tallies.items():
        _check_question(audit, question)
        given = sum(data.counts) + data.dont_know
        if any(n < 0 for n in (*data.counts, data.dont_know)):
            errors[question.code] = "Counts cannot be negative."
        elif given > participants:
            errors[question.code] = (
                f"{given} answers counted, but the workshop had {participants} participants: "
                "check the counts or the number of participants."
            )
        elif len(data.comment) > COMMENT_MAX:
            errors[question.code] = f"Comments have at most {COMMENT_MAX:,} characters."
    if errors:
        raise ValidationError(errors)
    locked.name = _clean_name(audit, name, exclude=locked.pk)
    locked.respondents = participants
    locked.save(update_fields=["name", "respondents"])
    existing = {t.question_id: t for t in WorkshopTally.objects.filter(perspective=locked)}
    changed = 0
    now = timezone.now()
    for question, data in tallies.items():
        row = existing.get(question.pk)
        values = (*data.counts, data.dont_know, data.comment.strip())
        if row is not None and (*row.counts, row.dont_know, row.comment) == values:
            continue
        if row is None and values == (0, 0, 0, 0, 0, ""):
            continue
        row = row or WorkshopTally(perspective=locked, question=question, entered_by=user)
        row.rated_1, row.rated_2, row.rated_3, row.rated_4, row.dont_know, row.comment = values
        row.entered_by, row.entered_at = user, now
        row.save()
        changed += 1
    logger.info("workshop %s: %s questions entered by %s", locked.pk, changed, user)
    return changed


# -- Divergence notes ------------------------------------------------------------------------


@transaction.atomic
def divergence_note_save(*, audit: Audit, question: Question, user, note: str) -> DivergenceNote | None:
    """Record why the officers' rating stands apart from another perspective's. The note goes
    into the audit's history; an empty note is refused."""
    locked = _lock(audit)
    _require_open_audit(locked)
    _check_question(locked, question)
    note = note.replace("\r\n", "\n").strip()
    if not note:
        raise ValidationError({"note": "Say why the officers' rating differs, or what the officers will check."})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Notes have at most {NOTE_MAX:,} characters; this one has {len(note):,}."})
    row = DivergenceNote.objects.select_for_update().filter(audit=locked, question=question).first()
    before = row.note if row else ""
    # The divergences the note now answers for: saving it again confirms it for new ones.
    covers = sorted(d.key for d in comparison(locked).divergences_of(question.pk))
    if row is not None and row.note == note and sorted(row.covers) == covers:
        return row
    row = row or DivergenceNote(audit=locked, question=question, written_by=user)
    row.note, row.covers, row.written_by, row.written_at = note, covers, user, timezone.now()
    row.save()
    AuditEvent.objects.create(
        audit=locked,
        user=user,
        kind=EventKind.DIVERGENCE_NOTE,
        question=question,
        at=row.written_at,
        before={"note": before} if before else {},
        after={"note": note},
    )
    logger.info("divergence note on audit %s question %s by %s", locked.pk, question.code, user)
    return row
