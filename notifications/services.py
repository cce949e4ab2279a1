"""Writing e-mails to people: who gets one, in which words, and when it is sent.

``notify`` is what the other apps call. It writes one ``Email`` per person, rendered from the
kind's templates (``templates/notifications/email/<kind>.txt`` and ``.html``), and has each
sent by the task queue once the caller's transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from audits.models import Audit, AuditStatus, Membership, Role

from .models import Email, Kind, TurnedOff

logger = logging.getLogger(__name__)


def absolute(path: str) -> str:
    """A link for an e-mail: the site's address (settings.SITE_URL) and the path."""
    return settings.SITE_URL.rstrip("/") + path


def kinds_turned_off(user) -> set[str]:
    return set(TurnedOff.objects.filter(user=user).values_list("kind", flat=True))


@transaction.atomic
def preferences_save(*, user, turned_off: Iterable[str]) -> None:
    """Keep exactly these kinds turned off for this person (unknown kinds are ignored)."""
    wanted = set(turned_off) & set(Kind.values)
    TurnedOff.objects.filter(user=user).exclude(kind__in=wanted).delete()
    have = kinds_turned_off(user)
    TurnedOff.objects.bulk_create([TurnedOff(user=user, kind=k) for k in sorted(wanted - have)])
    logger.info("e-mail preferences of %s: %s turned off", user, ", ".join(sorted(wanted)) or "none")


def recipients(users: Iterable, kind: Kind, *, besides=None) -> list:
    """The people of ``users`` who get this kind: active, with an address, who did not turn it
    off; never ``besides`` (whoever caused the e-mail), each once."""
    ids = {u.pk for u in users if u is not None} - ({besides.pk} if besides is not None else set())
    return list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .exclude(email="")
        .exclude(pk__in=TurnedOff.objects.filter(kind=kind).values("user_id"))
        .order_by("pk")
    )


def _written(kind: Kind, person, context: dict, key: str) -> Email:
    """The kind's e-mail to one person, rendered from its three templates (not yet saved)."""
    filled = {**context, "recipient": person, "settings_url": absolute(reverse("notifications:settings"))}
    return Email(
        recipient=person,
        to=person.email,
        kind=kind,
        subject=" ".join(render_to_string(f"notifications/email/{kind}_subject.txt", filled).split())[:300],
        body_text=render_to_string(f"notifications/email/{kind}.txt", filled),
        body_html=render_to_string(f"notifications/email/{kind}.html", filled),
        key=f"{key}:{person.pk}" if key else "",
    )


def notify(*, kind: Kind, users: Iterable, context: dict, besides=None, key: str = "") -> list[Email]:
    """Write the kind's e-mail to each of ``users`` who wants it, and send each once the
    current transaction commits. ``context`` fills the templates, with ``recipient`` and
    ``settings_url`` added per person. With a ``key``, an e-mail already written under the
    same key (key + the person) is not written again."""
    from .tasks import deliver

    # In English until the e-mails are translated (issue "Cymraeg"), whatever the language of
    # the person whose action caused them: no Welsh month in an English e-mail.
    with translation.override(settings.LANGUAGE_CODE):
        emails = [_written(kind, person, context, key) for person in recipients(users, kind, besides=besides)]
    written = []
    for email in emails:
        try:
            with transaction.atomic():
                email.save()
        except IntegrityError:
            continue  # written already (the same day's digest, run twice)
        transaction.on_commit(lambda pk=email.pk: deliver.enqueue(pk))
        written.append(email)
    if written:
        logger.info("%s e-mail written to %s", kind, ", ".join(e.to for e in written))
    return written


def review_digest(*, today=None) -> list[Email]:
    """Write each manager one e-mail listing the audits of their councils that have waited for
    review longer than settings.REVIEW_DIGEST_DAYS, oldest first; once a day at most (running
    it twice, or on two machines, writes nothing more)."""
    today = today or timezone.localdate()
    days = settings.REVIEW_DIGEST_DAYS
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
    waiting = list(
        Audit.objects.filter(status=AuditStatus.SUBMITTED, submitted_at__lt=cutoff)
        .select_related("council", "service", "submitted_by")
        .order_by("submitted_at")
    )
    if not waiting:
        return []
    for audit in waiting:
        audit.days_waiting = (today - timezone.localdate(audit.submitted_at)).days
        audit.review_url = absolute(reverse("audits:review", args=[audit.pk]))
    by_manager: dict = {}
    managers = Membership.objects.filter(council_id__in={a.council_id for a in waiting}, role=Role.MANAGER)
    for membership in managers.select_related("user"):
        by_manager.setdefault(membership.user, []).extend(a for a in waiting if a.council_id == membership.council_id)
    written = []
    with transaction.atomic():
        for manager, audits in by_manager.items():
            audits.sort(key=lambda a: a.submitted_at)
            context = {"audits": audits, "days": days, "url": absolute(reverse("audits:list")), "today": today}
            written += notify(kind=Kind.DIGEST, users=[manager], context=context, key=f"digest:{today.isoformat()}")
    return written


#: The worker tries an e-mail within seconds of its writing: one never tried after this long
#: lost its place in the queue (a worker stopped mid-send, or the queue's row was never written).
LOST_AFTER = timedelta(hours=1)
DELIVER_PATH = "notifications.tasks.deliver"


def requeue_lost(*, now=None) -> list[Email]:
    """Queue again each e-mail written more than LOST_AFTER ago, never tried, and with no task
    waiting for it (a worker stopped for hours leaves its tasks waiting: they are not doubled).
    The task sends an e-mail only while it is waiting, under a row lock, so an e-mail queued
    twice still goes once."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .tasks import deliver

    cutoff = (now or timezone.now()) - LOST_AFTER
    waiting = {
        args_kwargs["args"][0]
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=DELIVER_PATH, status=TaskResultStatus.READY
        ).values_list("args_kwargs", flat=True)
        if args_kwargs.get("args")
    }
    never_tried = Email.objects.filter(attempts=0, sent_at=None, gave_up_at=None, created_at__lt=cutoff)
    lost = list(never_tried.exclude(pk__in=waiting).order_by("pk")[:1000])
    for email in lost:
        deliver.enqueue(email.pk)
    if lost:
        logger.warning("%d e-mail(s) never tried were queued again: %s", len(lost), ", ".join(str(e.pk) for e in lost))
    return lost
