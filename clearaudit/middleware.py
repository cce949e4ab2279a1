"""Refuse, with a clear 400 page, requests whose input no page of the app can use.

Two kinds of values would otherwise reach the database or the views and end in a server error:

- a NUL character (U+0000), in the address or in any query parameter or form field (name or
  value): PostgreSQL cannot store or even compare text that holds one;
- a value far longer than any field accepts (the longest, evidence notes, take 5,000
  characters): nothing legitimate sends one, and the forms' own limits then never matter.

Everything else (invalid UTF-8, which Django reads as U+FFFD; invisible or bidirectional
characters; wrong types) is left to the forms, which answer with their own messages.
Requests that ask for JSON (the autosave script) get the explanation as JSON.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

#: Longest value accepted in a query parameter or form field, in characters: four times the
#: longest text any form takes, so that the forms' own messages answer anything near their limits.
MAX_VALUE_CHARS = 20_000


def input_problem(request: HttpRequest) -> str | None:
    """Why the request cannot be used, in words for the person who sent it; None if it can."""
    if "\x00" in request.path_info:
        return "The address contains a NUL character (an invisible control character), so it leads nowhere."
    for source in (request.GET, request.POST):
        for name, values in source.lists():
            label = name.replace("\x00", "")
            label = label if len(label) <= 40 else label[:39] + "…"
            if "\x00" in name or any("\x00" in value for value in values):
                return (
                    f"The field “{label}” contains a NUL character, an invisible control "
                    "character that is often pasted from another program. Remove it and try again."
                )
            if len(name) > MAX_VALUE_CHARS or any(len(value) > MAX_VALUE_CHARS for value in values):
                longest = max([len(name), *(len(value) for value in values)])
                return (
                    f"The field “{label}” holds {longest:,} characters, far more than any field here takes "
                    f"(at most {MAX_VALUE_CHARS:,}). Shorten it, or put the detail in a linked document."
                )
    return None


def strip_nul_from_headers(request: HttpRequest) -> None:
    """Headers are no one's typing: a NUL in one (say, the User-Agent that django-axes records
    with a failed login) is dropped rather than refused."""
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            request.META[key] = value.replace("\x00", "")


class RefuseUnusableInputMiddleware:
    """Answers 400, with the reason, before any view or login check sees the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        strip_nul_from_headers(request)
        problem = input_problem(request)
        if problem is None:
            return self.get_response(request)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"saved": False, "message": problem + " Nothing was saved."}, status=400)
        return render(request, "400.html", {"problem": problem}, status=400)


class DropUnusableCookiesMiddleware:
    """First of all: drops cookies whose name or value holds a NUL (a cookie may spell one as
    ``\\000``, which Django's cookie parser decodes). The session and CSRF checks would pass it
    to PostgreSQL, which cannot compare such text: every page, login included, would fail. A
    browser never sends one; without it the visitor is simply not logged in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookies = request.COOKIES
        if any("\x00" in name or "\x00" in value for name, value in cookies.items()):
            request.COOKIES = {n: v for n, v in cookies.items() if "\x00" not in n and "\x00" not in v}
        return self.get_response(request)
