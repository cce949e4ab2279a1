"""Sending the e-mails ``notifications.services.notify`` wrote, on the task queue's worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Email

logger = logging.getLogger(__name__)

#: How long to wait before each retry of a failed e-mail: after the last, it is given up.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=3))


@task()
def deliver(email_id: int) -> str:
    """Send one e-mail unless it went already; a failure is logged and tried again later."""
    with transaction.atomic():
        email = Email.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None:
            return "busy or gone"  # another worker holds it, or it was deleted
        if email.sent_at or email.gave_up_at:
            return email.state
        message = EmailMultiAlternatives(email.subject, email.body_text, None, [email.to])
        message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # a mail server down, an address refused: try again later
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts > len(RETRY_AFTER):
                email.gave_up_at = timezone.now()
                logger.error("e-mail %s to %s given up after %d attempts: %s", email.pk, email.to, email.attempts, exc)
            else:
                wait = RETRY_AFTER[email.attempts - 1]
                logger.warning("e-mail %s to %s failed (%s); trying again in %s", email.pk, email.to, exc, wait)
                transaction.on_commit(lambda: deliver.using(run_after=timezone.now() + wait).enqueue(email_id))
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
            logger.info("e-mail %s sent to %s: %s", email.pk, email.to, email.subject)
        email.save(update_fields=["attempts", "last_error", "sent_at", "gave_up_at"])
        return email.state
