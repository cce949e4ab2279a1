"""Signing in: the login form, and the throttling rules django-axes does not have itself.

django-axes counts failed logins per username and address (AXES_FAILURE_LIMIT). On top of
that, ``AddressLimitDatabaseHandler`` locks an address out once AXES_ADDRESS_FAILURE_LIMIT
failures came from it within the cool-off time, whatever the usernames: guessing one password
across many usernames is locked out too. A success resets only that username's count, so one
valid account cannot clear the address's record of guesses at others.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest

#: The longest username django-axes stores (its column's length).
AXES_USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a username longer than any account's before authenticating."""

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        limit = self.username_field.max_length
        if limit and len(username) > limit:
            raise ValidationError(
                f"Usernames have at most {limit} characters; this one has {len(username):,}. "
                "Check what you typed or pasted.",
                code="max_length",
            )
        return username


def username_for_axes(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username axes records: as given, cut to the length it can store (AXES_USERNAME_CALLABLE).

    Every login form goes through this (the admin's too), so no username can fail the recording.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "")[:AXES_USERNAME_LENGTH]


class AddressLimitDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler, also locking out an address after AXES_ADDRESS_FAILURE_LIMIT failures."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        request.axes_address_locked = self.address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT
        if request.axes_address_locked:
            # Counted as reaching the per-username limit, so that axes refuses the login.
            return max(failures, get_failure_limit(request, credentials))
        return failures

    @staticmethod
    def address_failures(request) -> int:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
