"""Every write to action plans goes through these functions: atomic, validated before saving,
recorded in the action's history. Which role may call them is the caller's check
(``actions.permissions``); the rules about the action itself are here:

- an action is planned from an audit submitted for review or approved, in that audit's scope;
- its intervention and questions come from that audit's question bank, its owner is an officer
  or manager of the council (or a named partner organisation), and it is due on or after it
  starts;
- a trial's hypothesis and how it will be judged are written before it starts, and locked once
  it has started;
- a dropped action says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audits.factors import Factor
from audits.models import Audit, AuditStatus, Intervention, Membership, Question
from notifications.models import Kind
from notifications.services import absolute, notify

from .models import (
    Action,
    ActionEvent,
    ActionEventKind,
    ActionStatus,
    ProgressNote,
    Reminder,
    ReminderKind,
    TrialComparison,
    TrialDecision,
)
from .permissions import PLANNERS, owner_choices

logger = logging.getLogger(__name__)

TITLE_MAX = 200
TEXT_MAX = 4000
#: Owners hear of an action this many days before it is due (and once more when it is overdue).
REMIND_DAYS = 14
#: Statuses of an audit from whose suggestions actions may be planned.
PLANNABLE_AUDITS = (AuditStatus.SUBMITTED, AuditStatus.APPROVED)
#: A trial's fields written before it starts, locked once it has.
TRIAL_DESIGN = ("is_trial", "hypothesis", "judged_by", "comparison", "comparison_detail")


@dataclass
class ActionData:
    title: str
    start: date
    due: date
    questions: list[Question]
    intervention: Intervention | None = None
    own_intervention: str = ""
    owner: object | None = None  # a user
    partner: str = ""
    partner_contact: str = ""
    target: str = ""
    budget_note: str = ""
    is_trial: bool = False
    hypothesis: str = ""
    judged_by: str = ""
    comparison: str = TrialComparison.NONE
    comparison_detail: str = ""


@dataclass
class StatusData:
    status: str
    dropped_reason: str = ""
    outcome: str = ""
    decision: str = TrialDecision.UNDECIDED


class ActionConflictError(ValidationError):
    """Someone else saved the action after this page was opened."""


def _require_plannable(audit: Audit) -> None:
    if audit.status not in PLANNABLE_AUDITS:
        raise ValidationError(
            "Actions are planned from an audit submitted for review or approved: submit this audit first.",
            code="not_plannable",
        )


def _clean(audit: Audit, data: ActionData, *, current: Action | None = None) -> dict:
    """The action's fields from ``data``, or a ValidationError with a message per field."""
    errors: dict[str, str] = {}
    title = " ".join(data.title.split())
    if not title:
        errors["title"] = "Give the action a title."
    if data.start and data.due and data.due < data.start:
        errors["due"] = (
            f"The due date ({data.due:%d/%m/%Y}) is before the start date ({data.start:%d/%m/%Y}): "
            "give a due date on or after the start."
        )
    if data.intervention is not None and data.intervention.response.framework_id != audit.framework_id:
        errors["intervention"] = (
            f"“{data.intervention.title}” is an intervention of another question bank than this audit's "
            f"({audit.framework}): choose one of its own, or describe the council's own."
        )
    own = " ".join(data.own_intervention.split())
    if data.intervention is None and not own:
        errors["own_intervention"] = "Choose an intervention from the list, or describe the council's own."
    if data.intervention is not None and own:
        errors["own_intervention"] = "Choose an intervention from the list or describe the council's own, not both."
    foreign = sorted(q.code for q in data.questions if q.framework_id != audit.framework_id)
    if foreign:
        errors["questions"] = (
            f"{', '.join(foreign)} {'belong' if len(foreign) > 1 else 'belongs'} to another question bank than "
            f"this audit's ({audit.framework}): an action aims at questions of the audit it was planned from."
        )
    elif not data.questions:
        errors["questions"] = "Choose at least one question the action aims at."
    partner = " ".join(data.partner.split())
    if data.owner is not None and partner:
        errors["owner"] = "Choose a member of the council or name a partner organisation, not both."
    elif data.owner is None and not partner:
        errors["owner"] = "Choose who owns the action: a member of the council, or a partner organisation."
    elif data.owner is not None and not owner_choices(audit.council_id).filter(pk=data.owner.pk).exists():
        errors["owner"] = (
            f"{data.owner.get_full_name() or data.owner.get_username()} is not an officer or manager of "
            f"{audit.council}: choose one of its members, or name a partner organisation."
        )
    if data.is_trial:
        if not data.hypothesis.strip():
            errors["hypothesis"] = "A trial says first what it expects to happen (its hypothesis)."
        if not data.judged_by.strip():
            errors["judged_by"] = "A trial says first how its result will be judged."
    if data.comparison not in TrialComparison.values:
        errors["comparison"] = "Choose a comparison from the list."
    fields = {
        "title": title,
        "start": data.start,
        "due": data.due,
        "intervention": data.intervention,
        "own_intervention": own if data.intervention is None else "",
        "owner": data.owner,
        "partner": partner if data.owner is None else "",
        "partner_contact": data.partner_contact.strip() if data.owner is None else "",
        "target": data.target.strip(),
        "budget_note": data.budget_note.strip(),
        "is_trial": data.is_trial,
        "hypothesis": data.hypothesis.strip() if data.is_trial else "",
        "judged_by": data.judged_by.strip() if data.is_trial else "",
        "comparison": data.comparison if data.is_trial else "",
        "comparison_detail": data.comparison_detail.strip() if data.is_trial else "",
    }
    if current is not None and current.has_started:
        locked = [name for name in TRIAL_DESIGN if getattr(current, name) != fields[name]]
        if locked:
            errors["hypothesis"] = (
                "This action has started, so whether it is a trial, its hypothesis, how it is judged and its "
                "comparison are locked as they were written before it started."
            )
    if errors:
        raise ValidationError(errors)
    return fields


def _shown(name: str, value) -> object:
    """A field's value as the history keeps it (JSON)."""
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if name == "owner":
        return value.get_full_name() or value.get_username()
    if name == "intervention":
        return value.title
    if name == "questions":
        return ", ".join(sorted(q.code for q in value))
    return value


def _event(action: Action, user, kind: str, before=None, after=None) -> None:
    ActionEvent.objects.create(action=action, user=user, kind=kind, before=before or {}, after=after or {})


@transaction.atomic
def action_create(*, audit: Audit, user, factor: str, data: ActionData) -> Action:
    audit = Audit.objects.select_for_update().select_related("council", "framework").get(pk=audit.pk)
    _require_plannable(audit)
    if factor not in Factor.values:
        raise ValidationError({"factor": "Choose a factor's suggested response."})
    fields = _clean(audit, data)
    action = Action.objects.create(
        council_id=audit.council_id,
        service_id=audit.service_id,
        audit=audit,
        factor=factor,
        created_by=user,
        **fields,
    )
    action.questions.set(data.questions)
    _event(
        action,
        user,
        ActionEventKind.CREATED,
        after={
            k: _shown(k, v)
            for k, v in {**fields, "questions": data.questions}.items()
            if _shown(k, v) not in ("", False)
        },
    )
    _tell_owner(action, user)
    return action


def _tell_owner(action: Action, user) -> None:
    """E-mail the action's owner that it is theirs (not when they gave it to themselves)."""
    if action.owner_id is None:
        return
    context = {
        "action": action,
        "actor_name": user.get_full_name() or user.get_username(),
        "url": absolute(reverse("actions:detail", args=[action.pk])),
        "audit": action.audit,
    }
    notify(kind=Kind.ACTION, users=[action.owner], context=context, besides=user)


def _locked(action: Action, expected_version: int) -> Action:
    locked = Action.objects.select_for_update().select_related("audit__council", "audit__framework").get(pk=action.pk)
    if locked.version != expected_version:
        raise ActionConflictError(
            "Someone changed this action after you opened the page: nothing was saved. "
            "The page now shows their version; make your change again.",
            code="conflict",
        )
    return locked


@transaction.atomic
def action_update(*, action: Action, user, data: ActionData, expected_version: int) -> Action:
    action = _locked(action, expected_version)
    fields = _clean(action.audit, data, current=action)
    questions_before = list(action.questions.all())
    before, after = {}, {}
    for name, value in fields.items():
        old = getattr(action, name)
        if _shown(name, old) != _shown(name, value):
            before[name], after[name] = _shown(name, old), _shown(name, value)
        setattr(action, name, value)
    if _shown("questions", questions_before) != _shown("questions", data.questions):
        before["questions"], after["questions"] = (
            _shown("questions", questions_before),
            _shown("questions", data.questions),
        )
        action.questions.set(data.questions)
    if before or after:
        _save(action, user, ActionEventKind.CHANGED, before, after)
    if "owner" in after:
        _tell_owner(action, user)
    return action


def _save(action: Action, user, kind: str, before: dict, after: dict) -> None:
    """Save a change: a new version (a page opened before it sees a conflict), and its history."""
    action.version += 1
    action.save()
    _event(action, user, kind, before, after)


@transaction.atomic
def action_set_status(*, action: Action, user, data: StatusData, expected_version: int) -> Action:
    action = _locked(action, expected_version)
    errors = {}
    if data.status not in ActionStatus.values:
        errors["status"] = "Choose a status from the list."
    reason = data.dropped_reason.strip()
    if data.status == ActionStatus.DROPPED and not reason:
        errors["dropped_reason"] = "Say why the action is dropped: the next audit reads it."
    if data.decision not in TrialDecision.values:
        errors["decision"] = "Choose a decision from the list."
    if data.status == ActionStatus.PLANNED and action.status != ActionStatus.PLANNED:
        errors["status"] = (
            f"An action that is {action.get_status_display().lower()} does not go back to planned "
            "(a trial's design stays locked once it has started): choose another status."
        )
    outcome = data.outcome.strip()
    if not action.is_trial and (outcome or data.decision):
        errors["outcome"] = "Only a trial records an outcome and a decision."
    elif action.is_trial and data.status == ActionStatus.PLANNED and (outcome or data.decision):
        errors["outcome"] = "A trial records its outcome and decision once it has started."
    elif action.is_trial and data.status == ActionStatus.DONE:
        if not outcome:
            errors["outcome"] = "A finished trial says what happened, judged the way written before it started."
        if not data.decision:
            errors["decision"] = "A finished trial records its decision: scale up, adapt or stop."
    if errors:
        raise ValidationError(errors)
    fields = {
        "status": data.status,
        "dropped_reason": reason if data.status == ActionStatus.DROPPED else "",
        "outcome": outcome,
        "decision": data.decision,
    }
    before = {k: getattr(action, k) for k, v in fields.items() if getattr(action, k) != v}
    if not before:
        return action
    after = {k: fields[k] for k in before}
    was_closed = action.is_closed
    for name, value in fields.items():
        setattr(action, name, value)
    if action.is_closed and not was_closed:
        action.closed_at = timezone.now()
    elif not action.is_closed:
        action.closed_at = None
    _save(action, user, ActionEventKind.STATUS, before, after)
    return action


@transaction.atomic
def note_add(*, action: Action, user, on: date, text: str) -> ProgressNote:
    text = text.strip()
    errors = {}
    if not text:
        errors["text"] = "Write what progress was made."
    if on and on > timezone.localdate():
        errors["on"] = "Progress notes record what happened: give today's date or an earlier one."
    if errors:
        raise ValidationError(errors)
    note = ProgressNote.objects.create(action=action, on=on, text=text, author=user)
    _event(action, user, ActionEventKind.NOTE, after={"on": on.isoformat(), "note": text})
    return note


# Reminders -----------------------------------------------------------------------------------


@dataclass
class RemindersSent:
    sent: list[Reminder] = field(default_factory=list)
    skipped_no_address: list[Action] = field(default_factory=list)  # no one able to act has an address
    failed: list[Action] = field(default_factory=list)  # the e-mail failed: tried again next run


def _recipient(action: Action, able: set[tuple[int, int]]):
    """Who hears about the action: its owner, or for a partner's action the colleague who
    planned it (the council does not write to partners on its own); in either case only while
    they are an active officer or manager of the council (``able``: (user, council) pairs).
    An owner who has left hands over to the planner; None when neither can act on it."""
    for person in (action.owner, action.created_by) if action.owner_id else (action.created_by,):
        if person.is_active and (person.pk, action.council_id) in able:
            return person
    return None


def send_reminders(*, today: date | None = None) -> RemindersSent:
    """E-mail the owner of every open action due within REMIND_DAYS days, or overdue, once per
    kind and due date (the Reminder table's unique key makes a second run, or two at once, send
    nothing twice). A reminder whose e-mail fails is not recorded, so the next run tries again."""
    today = today or timezone.localdate()
    result = RemindersSent()
    candidates = (
        Action.objects.open()
        .filter(due__lte=today + timedelta(days=REMIND_DAYS))
        .select_related("council", "service", "owner", "created_by")
        .order_by("due", "pk")
    )
    sent_before = set(Reminder.objects.filter(action__in=candidates).values_list("action_id", "kind", "due"))
    able = set(
        Membership.objects.filter(council__actions__in=candidates, role__in=PLANNERS).values_list(
            "user_id", "council_id"
        )
    )
    for action in candidates:
        kind = ReminderKind.OVERDUE if action.due < today else ReminderKind.DUE_SOON
        if (action.pk, kind.value, action.due) in sent_before:
            continue
        person = _recipient(action, able)
        if person is None or not person.email:
            result.skipped_no_address.append(action)
            continue
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(action=action, kind=kind, due=action.due, to=person.email)
                _send(action, reminder, person, today)
                _event(action, None, ActionEventKind.REMINDED, after={"reminder": kind.label, "to": person.email})
        except IntegrityError:
            continue  # another run sent it meanwhile
        except Exception:  # one failed e-mail (a bad address, a mail server down) stops no other
            logger.exception("Could not send the reminder for action %s; the next run tries again", action.pk)
            result.failed.append(action)
            continue
        result.sent.append(reminder)
    return result


def _send(action: Action, reminder: Reminder, person, today: date) -> None:
    url = settings.SITE_URL.rstrip("/") + reverse("actions:detail", args=[action.pk])
    context = {
        "action": action,
        "person": person,
        "overdue": reminder.kind == ReminderKind.OVERDUE,
        "days": (action.due - today).days,
        "remind_days": REMIND_DAYS,
        "days_late": (today - action.due).days,
        "url": url,
        "mine_url": settings.SITE_URL.rstrip("/") + reverse("actions:mine"),
        "plan_url": settings.SITE_URL.rstrip("/") + reverse("actions:plan", args=[action.council.slug]),
        "for_partner": not action.owner_id,
    }
    subject = render_to_string("actions/email/reminder_subject.txt", context).strip()
    body = render_to_string("actions/email/reminder.txt", context)
    send_mail(subject, body, None, [reminder.to])
