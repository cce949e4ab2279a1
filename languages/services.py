"""Choosing a language: kept in the session for this visit and, for a signed-in person, with
their account for the next ones."""

from __future__ import annotations

from django.conf import settings

from .models import LanguagePreference

#: Where the chosen language waits in the session (read by ``middleware.ChosenLanguageMiddleware``).
SESSION_KEY = "language"


def is_offered(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def language_choose(*, request, language: str) -> None:
    """Use ``language`` from the next page on (the caller checked ``is_offered``)."""
    request.session[SESSION_KEY] = language
    if request.user.is_authenticated:
        LanguagePreference.objects.update_or_create(user=request.user, defaults={"language": language})


def language_restore(*, request, user) -> None:
    """On signing in: a language chosen on the sign-in page just now (kept with the account from
    now on), else the one the person chose last time, else the one their browser kept."""
    chosen_now = request.session.get(SESSION_KEY, "")  # the session outlives the sign-in
    if is_offered(chosen_now):
        language_choose(request=request, language=chosen_now)
        return
    kept = LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()
    if kept and is_offered(kept):
        request.session[SESSION_KEY] = kept
    elif is_offered(chosen := request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")):
        language_choose(request=request, language=chosen)
