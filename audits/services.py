"""Every write to audits goes through these functions.

Each is atomic, takes keyword arguments, validates before saving, records who did what
and when, and logs it. Permission checks (which role may call which) are the caller's
job through ``audits.permissions``; the rules about *state* (an approved audit cannot
change, a submission must be complete) are enforced here.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, prefetch_related_objects
from django.utils import timezone

from . import extensions, fingerprints, question_bank, scoring, selectors, validators
from .benchmark import forget_benchmark
from .factors import Factor
from .models import (
    Answer,
    Audit,
    AuditEvent,
    AuditStatus,
    BundleState,
    Council,
    CouncilEvent,
    CouncilEventKind,
    EventKind,
    FactorAssignment,
    FactorScore,
    Framework,
    Question,
    ReportBundle,
    Service,
)
from .permissions import council_workers

logger = logging.getLogger(__name__)

PERIOD_RE = re.compile(r"^(\d{4})/(\d{2})$")


class AuditStateError(ValidationError):
    """The audit's status does not allow this change (e.g. it is approved)."""


class IncompleteAuditError(ValidationError):
    """Submission refused: some questions have neither a rating nor "don't know"."""

    def __init__(self, missing: list[Question]):
        self.missing = missing
        super().__init__(f"{len(missing)} questions still need a rating or “don't know”.")


class EditConflictError(Exception):
    """Someone else saved some of these answers after the user loaded them."""

    def __init__(self, *, current_version: int, changed: dict[int, Answer]):
        self.current_version = current_version
        self.changed = changed  # question id -> the answer as it is now
        super().__init__(f"{len(changed)} answers were changed by someone else")


#: rating, dont_know, confidence, evidence_notes, evidence_links: in the groups a form edits together.
ANSWER_FIELDS = tuple(name for group in fingerprints.FIELD_GROUPS for name in group)


@dataclass(frozen=True)
class AnswerData:
    """One answer as the officer entered it.

    ``given`` names the fields the save carries: the others keep their saved values (a field
    that is absent from a request is unchanged, never emptied). ``loaded`` is the digest of
    the answer as the page showed it (``audits.fingerprints``), to detect changes since."""

    question_id: int
    rating: int | None = None
    dont_know: bool = False
    confidence: str = ""
    evidence_notes: str = ""
    evidence_links: str = ""
    given: frozenset[str] = frozenset(ANSWER_FIELDS)
    loaded: str | None = None

    def values_over(self, answer: Answer | None) -> dict:
        """The answer's values once this save is applied to ``answer`` (None: not saved yet)."""
        given = {name for group in fingerprints.FIELD_GROUPS if self.given & set(group) for name in group}
        return {
            name: getattr(self, name) if name in given or answer is None else getattr(answer, name)
            for name in ANSWER_FIELDS
        }


@dataclass(frozen=True)
class AnswersSaved:
    """What ``answers_save`` did: the audit at its new version, and every answer of the
    factors it saved as they now are (question id -> answer)."""

    audit: Audit
    answers: dict[int, Answer]


def answer_values(answer: Answer | None) -> dict:
    return {name: getattr(answer, name) for name in ANSWER_FIELDS} if answer is not None else {}


def _event(audit: Audit, user, kind: EventKind, *, question_id=None, before=None, after=None, at=None) -> AuditEvent:
    return AuditEvent(
        audit=audit,
        user=user,
        kind=kind,
        question_id=question_id,
        before=before or {},
        after=after or {},
        at=at or timezone.now(),
    )


def _status_event(audit: Audit, user, kind: EventKind, before: str, **extra) -> None:
    _event(audit, user, kind, before={"status": before}, after={"status": audit.status, **extra}).save()


def validate_period(period: str) -> str:
    """A financial year such as 2026/27: four digits, a slash, the next year's last two."""
    period = period.strip()
    match = PERIOD_RE.match(period)
    if not match:
        raise ValidationError("Enter the period as a financial year, for example 2026/27.", code="period")
    start, end = int(match[1]), int(match[2])
    if (start + 1) % 100 != end:
        raise ValidationError(
            f"{period} is not a financial year: after {start} comes {(start + 1) % 100:02d}.",
            code="period",
        )
    if not 2000 <= start <= 2100:
        raise ValidationError("Enter a year between 2000 and 2100.", code="period")
    return period


def current_period(today=None) -> str:
    """The UK financial year (April to March) that contains today."""
    today = today or timezone.localdate()
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


#: The periods a new audit may cover: this many financial years back, and ahead.
PERIODS_BACK, PERIODS_AHEAD = 5, 1


def period_choices(today=None) -> list[str]:
    """The financial years a new audit may cover, latest first: one ahead of today's, today's,
    and five back."""
    start = int(current_period(today)[:4])
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(start + PERIODS_AHEAD, start - PERIODS_BACK - 1, -1)]


def current_framework() -> Framework:
    framework = Framework.objects.filter(is_current=True).first()
    if framework is None:
        raise ValidationError("No question bank is marked as current; ask the site administrator.")
    return framework


@transaction.atomic
def audit_create(*, user, council: Council, service: Service | None, period: str, any_period: bool = False) -> Audit:
    """Start an audit of a financial year from ``period_choices``; ``any_period`` lets a
    data generator record audits of years long past (the benchmark's ten-year history)."""
    period = validate_period(period)
    if not any_period and period not in period_choices():
        choices = period_choices()
        raise ValidationError(
            {"period": f"Choose a financial year from {choices[-1]} to {choices[0]}."}, code="period_range"
        )
    if service is not None and service.council_id != council.pk:
        raise ValidationError({"service": "That service belongs to another council."})
    duplicate = Audit.objects.filter(council=council, service=service, period=period)
    if duplicate.exists():  # any revision: a new revision is made by reopening, not here
        scope = service.name if service else "the whole council"
        raise ValidationError({"period": f"There is already an audit of {scope} for {period}."}, code="duplicate")
    try:
        with transaction.atomic():
            audit = Audit.objects.create(
                council=council,
                service=service,
                framework=current_framework(),
                period=period,
                created_by=user,
                lead=user,
            )
    except IntegrityError:  # a colleague created the same audit a moment ago
        raise ValidationError({"period": f"There is already an audit of this scope for {period}."}) from None
    _event(audit, user, EventKind.CREATED, after={"status": audit.status}).save()
    recompute_scores(audit=audit)
    logger.info("audit %s created by %s: %s", audit.pk, user, audit)
    return audit


def _lock(audit: Audit) -> Audit:
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    audit.status, audit.version = locked.status, locked.version
    return locked


def _require_editable(audit: Audit) -> None:
    if not audit.is_editable:
        raise AuditStateError(
            f"This audit is {audit.get_status_display().lower()} and can no longer be changed.",
            code="locked",
        )


@transaction.atomic
def answers_save(*, audit: Audit, user, answers: list[AnswerData], expected_version: int) -> AnswersSaved:
    """Save a step's answers: only the fields each one carries (see ``AnswerData``).

    Refuses (EditConflictError) when any of these answers changed since the page showed it:
    - with the digest of the answer as the page loaded it (``AnswerData.loaded``, what the
      step page sends), whenever the answer saved now differs from that digest, whoever
      saved it: a colleague, or the same officer in another tab or on another device. The
      page's own autosaves move its digests on (see static/js/autosave.js), so they are not
      conflicts;
    - without one, when someone else saved the answer after ``expected_version``.
    A save that would leave an answer as it is now is never a conflict.

    Everything that can be checked before taking the audit's row lock is; under the lock come
    only the reads and writes that must see the latest version, so that colleagues saving the
    same audit wait for each other as briefly as possible."""
    questions = question_bank.questions(audit.framework_id)
    bank = {q.pk: q for q in questions}
    question_ids = [a.question_id for a in answers]
    if len(set(question_ids)) != len(question_ids):
        raise ValidationError("Each question can be answered once.")
    if not all(pk in bank for pk in question_ids):
        raise ValidationError("Some answers are for questions that are not in this audit's question bank.")
    for data in answers:
        try:
            validators.check_rating(data.rating, data.dont_know)
        except ValidationError as exc:
            raise ValidationError(f"{bank[data.question_id].code}: {exc.messages[0]}", code=exc.code) from None
    _require_known_version(audit, expected_version)
    if not answers:  # nothing changed on the page: no lock, no new version
        _require_editable(audit)
        return AnswersSaved(audit=audit, answers={})

    factors = {bank[pk].factor for pk in question_ids}
    locked = _lock(audit)
    _require_editable(locked)
    _require_known_version(locked, expected_version)
    fields = ANSWER_FIELDS
    # Every answer of the factors being saved: to detect conflicts, and to score those factors.
    existing = {
        a.question_id: a
        for a in locked.answers.filter(question_id__in=[pk for pk, q in bank.items() if q.factor in factors]).order_by()
    }
    wanted = {data.question_id: data.values_over(existing.get(data.question_id)) for data in answers}
    changed = {
        data.question_id: existing[data.question_id]
        for data in answers
        if data.question_id in existing
        and wanted[data.question_id] != answer_values(existing[data.question_id])
        and _changed_since_loaded(existing[data.question_id], data, user, expected_version)
    }
    if changed:
        prefetch_related_objects(list(changed.values()), "answered_by")  # the conflict names who saved them
        raise EditConflictError(current_version=locked.version, changed=changed)

    new_version = locked.version + 1
    now = timezone.now()
    to_write, events = [], []
    for data in answers:
        answer = existing.get(data.question_id)
        values = wanted[data.question_id]
        if answer is None:
            if not any(values.values()):
                continue  # nothing entered for this question: no row needed
            before, after = {}, {name: value for name, value in values.items() if value}
        else:
            changed_names = [name for name, value in values.items() if getattr(answer, name) != value]
            if not changed_names:
                continue
            before = {name: getattr(answer, name) for name in changed_names}
            after = {name: values[name] for name in changed_names}
        answer = Answer(
            audit=locked,
            question_id=data.question_id,
            audit_version=new_version,
            answered_by=user,
            updated_at=now,
            **values,
        )
        to_write.append(answer)
        existing[data.question_id] = answer
        events.append(
            _event(locked, user, EventKind.ANSWER, question_id=data.question_id, before=before, after=after, at=now)
        )
    if not to_write:
        return AnswersSaved(audit=locked, answers=existing)
    # New and changed answers in one statement (INSERT … ON CONFLICT DO UPDATE).
    Answer.objects.bulk_create(
        to_write,
        update_conflicts=True,
        unique_fields=["audit", "question"],
        update_fields=[*fields, "audit_version", "answered_by", "updated_at"],
    )
    AuditEvent.objects.bulk_create(events)
    locked.version = new_version
    locked.save(update_fields=["version", "updated_at"])
    # ``existing`` now holds every answer of these factors as saved: score them from it.
    inputs = [selectors.answer_input(q, existing[q.pk]) for q in questions if q.pk in existing]
    _store_scores(locked, question_bank.question_counts(locked.framework_id), inputs, factors)
    logger.info("audit %s: %s saved %d answers (version %d)", locked.pk, user, len(events), new_version)
    audit.version = locked.version
    return AnswersSaved(audit=locked, answers=existing)


def _require_known_version(audit: Audit, expected_version: int) -> None:
    """A page cannot have loaded a version the audit has not reached (a tampered form)."""
    if expected_version > audit.version:
        raise ValidationError(
            f"This page says it loaded version {expected_version} of the audit, which is only at version "
            f"{audit.version}. Reload the page and make your changes again.",
            code="unknown_version",
        )


def _changed_since_loaded(answer: Answer, data: AnswerData, user, expected_version: int) -> bool:
    if data.loaded is None:  # the request does not say what it loaded: go by the audit's version
        return answer.audit_version > expected_version and answer.answered_by_id != user.pk
    # A digest that is not one of ours (damaged, or kept by a browser from an older release)
    # cannot show the answer is unchanged: the officer is shown both versions.
    return not fingerprints.is_valid(data.loaded) or fingerprints.fingerprint(answer_values(answer)) != data.loaded


def missing_questions(audit: Audit) -> list[Question]:
    """Questions of the audit with neither a rating nor "don't know", in framework order."""
    answered = Answer.objects.filter(audit=audit).exclude(rating__isnull=True, dont_know=False)
    return list(
        Question.objects.filter(framework_id=audit.framework_id)
        .exclude(pk__in=answered.values("question_id"))
        .order_by("order", "code")
    )


@transaction.atomic
def audit_submit(*, audit: Audit, user) -> Audit:
    locked = _lock(audit)
    _require_editable(locked)
    missing = missing_questions(locked)
    if missing:
        raise IncompleteAuditError(missing)
    before = locked.status
    locked.status = AuditStatus.SUBMITTED
    locked.submitted_by, locked.submitted_at = user, timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "submitted_by", "submitted_at", "version", "updated_at"])
    _status_event(locked, user, EventKind.SUBMITTED, before)
    extensions.status_changed(locked, EventKind.SUBMITTED, user)
    logger.info("audit %s submitted by %s", locked.pk, user)
    return locked


@transaction.atomic
def audit_withdraw(*, audit: Audit, user) -> Audit:
    """Take a submitted audit back before a manager reviewed it: a draft again, answers kept."""
    locked = _lock(audit)
    if locked.status != AuditStatus.SUBMITTED:
        raise AuditStateError(
            f"Only a submitted audit can be withdrawn; this one is {locked.get_status_display().lower()}.",
            code="not_submitted",
        )
    locked.status = AuditStatus.DRAFT
    locked.submitted_by, locked.submitted_at = None, None
    locked.version += 1
    locked.save(update_fields=["status", "submitted_by", "submitted_at", "version", "updated_at"])
    _status_event(locked, user, EventKind.WITHDRAWN, AuditStatus.SUBMITTED)
    extensions.status_changed(locked, EventKind.WITHDRAWN, user)
    logger.info("audit %s withdrawn by %s", locked.pk, user)
    return locked


@transaction.atomic
def audit_delete(*, audit: Audit, user) -> CouncilEvent:
    """Delete a draft that was never submitted, with its answers and history; the council's
    history keeps what it was, who deleted it and when."""
    locked = _lock(audit)
    if not is_deletable(locked):
        raise AuditStateError(
            "Only a draft that was never submitted can be deleted; this one has a review history to keep.",
            code="not_deletable",
        )
    answered = locked.answers.exclude(rating=None, dont_know=False).count()
    event = CouncilEvent.objects.create(
        council_id=locked.council_id,
        user=user,
        kind=CouncilEventKind.AUDIT_DELETED,
        detail={
            "scope": locked.scope_label,
            "period": locked.period,
            "answered": answered,
            "started_by": locked.created_by.get_full_name() or locked.created_by.get_username(),
            "started_at": locked.created_at.isoformat(),
        },
    )
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError:
        raise AuditStateError("Something planned from this audit keeps it; it cannot be deleted.") from None
    logger.info("draft audit %s (%s, %s) deleted by %s", audit.pk, event.detail["scope"], locked.period, user)
    return event


def is_deletable(audit: Audit) -> bool:
    """A draft never submitted (a first revision: a reopened one keeps its approved history)."""
    return (
        audit.status == AuditStatus.DRAFT
        and audit.revision == 1
        and not audit.events.filter(kind=EventKind.SUBMITTED).exists()
    )


@transaction.atomic
def audit_set_lead(*, audit: Audit, user, lead, assignments: dict[str, object]) -> Audit:
    """Give the audit its lead officer and its factors to colleagues (``{factor: user or None}``).
    Each must be an officer or manager of the audit's council."""
    locked = _lock(audit)
    _require_editable(locked)
    allowed = set(council_workers(locked.council_id).values_list("pk", flat=True))
    chosen = [lead, *assignments.values()]
    if any(person is not None and person.pk not in allowed for person in chosen):
        raise ValidationError("Only officers and managers of this council can lead an audit or answer its factors.")
    if lead is None:
        raise ValidationError({"lead": "Choose who leads the audit."})
    changed = locked.lead_id != lead.pk
    if changed:
        _event(locked, user, EventKind.LEAD, before={"lead": str(locked.lead or "")}, after={"lead": str(lead)}).save()
        locked.lead = lead
        locked.save(update_fields=["lead", "updated_at"])
    current = {a.factor: a for a in locked.assignments.select_related("user")}
    for factor, person in assignments.items():
        if factor not in Factor.values:
            continue
        had = current.get(factor)
        if (had.user_id if had else None) == (person.pk if person else None):
            continue
        changed = True
        if had:
            had.delete()
        if person is not None:
            FactorAssignment.objects.create(audit=locked, factor=factor, user=person)
        _event(
            locked,
            user,
            EventKind.ASSIGNED,
            before={"factor": factor, "to": str(had.user) if had else ""},
            after={"factor": factor, "to": str(person or "")},
        ).save()
    if changed:  # the audit list and its "Needs your action" show who leads and who has what
        Audit.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return locked


def _require_submitted(audit: Audit, expected_version: int | None) -> None:
    if audit.status != AuditStatus.SUBMITTED:
        raise AuditStateError(
            f"Only a submitted audit can be reviewed; this one is {audit.get_status_display().lower()}.",
            code="not_submitted",
        )
    if expected_version is not None and audit.version != expected_version:
        raise AuditStateError(
            "The audit changed after you opened it (it was returned and resubmitted): read it again before you decide.",
            code="stale",
        )


@transaction.atomic
def audit_return(*, audit: Audit, user, comment: str, expected_version: int | None = None) -> Audit:
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Say what the officers should change before you return the audit."})
    locked = _lock(audit)
    _require_submitted(locked, expected_version)
    locked.status = AuditStatus.RETURNED
    locked.returned_by, locked.returned_at, locked.return_comment = user, timezone.now(), comment
    locked.version += 1
    locked.save(update_fields=["status", "returned_by", "returned_at", "return_comment", "version", "updated_at"])
    _status_event(locked, user, EventKind.RETURNED, AuditStatus.SUBMITTED, comment=comment)
    extensions.status_changed(locked, EventKind.RETURNED, user, comment=comment)
    logger.info("audit %s returned by %s", locked.pk, user)
    return locked


@transaction.atomic
def audit_approve(*, audit: Audit, user, expected_version: int | None = None) -> Audit:
    locked = _lock(audit)
    _require_submitted(locked, expected_version)
    blockers = extensions.approval_blockers(locked)
    if blockers:
        raise AuditStateError(" ".join(blockers), code="blocked")
    locked.status = AuditStatus.APPROVED
    locked.approved_by, locked.approved_at = user, timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "approved_by", "approved_at", "version", "updated_at"])
    _status_event(locked, user, EventKind.APPROVED, AuditStatus.SUBMITTED)
    extensions.status_changed(locked, EventKind.APPROVED, user)
    forget_benchmark()
    # Earlier approved revisions of the same scope and period stay as they were, marked as
    # superseded so that dashboards and council reports count this revision alone.
    earlier = Audit.objects.approved().filter(
        council_id=locked.council_id, service_id=locked.service_id, period=locked.period, revision__lt=locked.revision
    )
    for old in earlier.order_by("pk").select_for_update():
        old.superseded_at = locked.approved_at
        old.save(update_fields=["superseded_at"])
        _event(old, user, EventKind.SUPERSEDED, after={"by_revision": locked.revision}, at=locked.approved_at).save()
    logger.info("audit %s approved by %s", locked.pk, user)
    return locked


@transaction.atomic
def audit_reopen(*, audit: Audit, user, reason: str) -> Audit:
    """Start a new revision of an approved audit, as a draft holding a copy of its answers.

    The approved audit, its answers, scores and report stay exactly as they were; once the
    new revision is approved it supersedes the old one (see ``audit_approve``).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the audit is reopened: the officers and the history will show it."})
    locked = _lock(audit)
    if locked.status != AuditStatus.APPROVED:
        raise AuditStateError("Only an approved audit can be reopened.", code="not_approved")
    newer = (
        Audit.objects.filter(
            council_id=locked.council_id,
            service_id=locked.service_id,
            period=locked.period,
            revision__gt=locked.revision,
        )
        .order_by("-revision")
        .first()
    )
    if newer is not None:
        raise AuditStateError(
            f"This audit was already reopened as revision {newer.revision}; work on that one.", code="reopened"
        )
    workers = set(council_workers(locked.council_id).values_list("pk", flat=True))
    new = Audit.objects.create(
        council_id=locked.council_id,
        service_id=locked.service_id,
        framework_id=locked.framework_id,
        period=locked.period,
        revision=locked.revision + 1,
        reopened_from=locked,
        reopen_reason=reason,
        created_by=user,
        # Who led the approved revision leads the new one, if still an officer or manager there.
        lead_id=locked.lead_id if locked.lead_id in workers else user.pk,
    )
    FactorAssignment.objects.bulk_create(
        FactorAssignment(audit=new, factor=a.factor, user_id=a.user_id)
        for a in locked.assignments.all()
        if a.user_id in workers
    )
    Answer.objects.bulk_create(
        Answer(
            audit=new,
            question_id=a.question_id,
            audit_version=new.version,
            answered_by_id=a.answered_by_id,
            **{name: getattr(a, name) for name in ANSWER_FIELDS},
        )
        for a in locked.answers.all()
    )
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            _event(
                new,
                user,
                EventKind.REOPENED,
                after={"status": new.status, "from_revision": locked.revision, "reason": reason},
                at=now,
            ),
            _event(locked, user, EventKind.REOPENED, after={"as_revision": new.revision, "reason": reason}, at=now),
        ]
    )
    recompute_scores(audit=new)
    extensions.status_changed(new, EventKind.REOPENED, user, reason=reason)
    logger.info("audit %s reopened by %s as audit %s (revision %d)", locked.pk, user, new.pk, new.revision)
    return new


@transaction.atomic(savepoint=False)
def recompute_scores(*, audit: Audit) -> list[FactorScore]:
    """Bring all five of the audit's stored FactorScores in step with its answers."""
    counts, inputs = selectors.answer_inputs(audit)
    return _store_scores(audit, counts, inputs)


def _store_scores(audit: Audit, counts: dict[str, int], inputs: list[scoring.AnswerInput], factors=None):
    """Write the factor scores of these answers (all five factors, or ``factors``): one statement."""
    profiles = [p for p in scoring.factor_profiles(counts, inputs) if factors is None or p.factor in factors]
    rows = [
        FactorScore(
            audit=audit,
            factor=p.factor,
            score=p.score,
            answered=p.rated,
            dont_know=p.dont_know,
            total=p.total,
            evidenced=p.evidenced,
            evidence_strength=p.evidence_strength,
            weak_ratings={a.code: a.rating for a in p.low_answers},
        )
        for p in profiles
    ]
    FactorScore.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["audit", "factor"],
        update_fields=["score", "answered", "dont_know", "total", "evidenced", "evidence_strength", "weak_ratings"],
    )
    return rows


@transaction.atomic
def council_set_benchmark(*, council: Council, user, opt_in: bool) -> Council:
    council.benchmark_opt_in = opt_in
    council.save(update_fields=["benchmark_opt_in"])
    forget_benchmark()
    logger.info("council %s: %s %s the benchmark", council.pk, user, "joined" if opt_in else "left")
    return council


@transaction.atomic
def report_bundle_request(*, council: Council, user) -> tuple[ReportBundle, bool]:
    """Queue the rendering of every report of the council (audits.tasks.render_report_bundle),
    unless the council has a bundle queued or rendering already: one at a time per council.
    Returns the bundle and whether it is new. The task row is written in this transaction, so a
    worker sees it only once it is committed."""
    from .tasks import render_report_bundle

    report_bundles_give_up_lost(council=council)  # a lost bundle must not block a new one
    in_flight = ReportBundle.objects.filter(council=council, state__in=ReportBundle.IN_FLIGHT).defer("content")
    if (bundle := in_flight.first()) is not None:
        return bundle, False
    try:
        with transaction.atomic():
            bundle = ReportBundle.objects.create(council=council, requested_by=user)
            result = render_report_bundle.enqueue(bundle.pk)
            bundle.task_id = str(result.id)
            bundle.save(update_fields=["task_id"])
    except IntegrityError:
        # Someone of the same council asked at the same moment, and got in first (the unique
        # constraint report_bundle_one_in_flight_per_council): theirs is the one to follow.
        if (bundle := in_flight.first()) is None:
            raise
        return bundle, False
    logger.info("report bundle %s of %s requested by %s (task %s)", bundle.pk, council, user, result.id)
    return bundle, True


def report_bundles_give_up_lost(*, council: Council | None = None, pk: int | None = None) -> list[ReportBundle]:
    """Mark failed, with a message for the person waiting, the bundles queued or rendering (of a
    council, or one) that will never finish: their worker stopped mid-task (no heartbeat for
    ReportBundle.LOST_AFTER), is stuck (no report for STALLED_AFTER), or their task ended
    without starting them. Returns them as they now are.

    django-tasks' db_worker leaves a task whose worker died "running" for good and never runs it
    again (django-tasks issue #46), so that task is marked failed here too. Called when reports
    are requested, when a bundle task starts (a worker restarted after a crash), and by the
    bundle's page and its progress poll."""
    now = timezone.now()
    bundles = ReportBundle.objects.filter(state__in=ReportBundle.IN_FLIGHT).defer("content")
    if council is not None:
        bundles = bundles.filter(council=council)
    if pk is not None:
        bundles = bundles.filter(pk=pk)
    given_up = []
    for bundle in bundles:
        reason = bundle.lost_reason(now) or _bundle_task_gone(bundle, now)
        if not reason:
            continue
        # Only if nothing moved since it was read: a live task's heartbeat or report wins.
        updated = ReportBundle.objects.filter(
            pk=bundle.pk, state=bundle.state, done=bundle.done, heartbeat_at=bundle.heartbeat_at
        ).update(state=BundleState.FAILED, finished_at=now, error=reason)
        if not updated:
            continue
        bundle.state, bundle.finished_at, bundle.error = BundleState.FAILED, now, reason
        _fail_task(bundle.task_id, reason, now)
        logger.warning("report bundle %s of council %s given up: %s", bundle.pk, bundle.council_id, reason)
        given_up.append(bundle)
    return given_up


def _bundle_task_gone(bundle: ReportBundle, now) -> str:
    """For a queued bundle: why its task will never start it ("" while it may)."""
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    from .tasks import render_report_bundle

    if bundle.state != BundleState.QUEUED:
        return ""
    try:
        result = render_report_bundle.get_result(bundle.task_id)
    except TaskResultDoesNotExist:
        return ReportBundle.TASK_ENDED
    if result.status == TaskResultStatus.READY:
        return ""
    if result.status == TaskResultStatus.RUNNING:  # claimed, but the bundle not started: did the worker die?
        lost = result.started_at is not None and now - result.started_at > ReportBundle.LOST_AFTER
        return ReportBundle.WORKER_STOPPED if lost else ""
    return ReportBundle.TASK_ENDED


def _fail_task(task_id: str, reason: str, now) -> None:
    """Mark a task its dead worker left "running" as failed, so that the task list says so too."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    with contextlib.suppress(ValidationError):  # not a task id (a bundle made by hand)
        DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="audits.tasks.WorkerLost",
            traceback=f"audits.tasks.WorkerLost: {reason}",
        )
