"""No input gives a server error: every URL, every form field, every role, nasty values.

The URLs are read from the URL configuration (the app's, the accounts pages and the admin's
login page; the rest of the admin is Django's own, for staff only), so a new URL is fuzzed
without anyone adding it here: one test per URL pattern. The form fields are found by opening
every page as every role, on a draft, a submitted and an approved audit, and reading the
HTML: each form's fields and initial values, where it posts to (its action, and the
``data-autosave-url`` its script posts to), and the query parameters of the links.

For each URL, as each role (officer, manager, councillor, a member of another council,
anonymous):

- every query parameter (GET) and every field (POST) is set to each of ``VALUES`` in turn,
  then to raw bytes that are not UTF-8 (query string, form body, multipart body);
- each of the URL's own parameters is replaced by out-of-range numbers and odd slugs;
- every form found on a page is sent as the role who saw it, from its page, with its
  initial values and one field at a time replaced by each value (so that the other fields
  pass validation and the nasty value goes as deep as it can).

Any 5xx answer, or exception, fails the URL's test with the list of requests that gave it.
Deterministic: a fixed list of values, no randomness. Downloads that take long to make
(the PDF reports) get all values at once, in one request per role (and one POST). Each
request comes from its own address, so that login lockouts do not hide the login forms.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, SlugConverter
from django.urls.exceptions import Resolver404
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actions import services as action_services
from audits import services
from audits.models import AuditStatus, BundleState, Question, ReportBundle, Service
from discussions import services as comment_services
from perspectives import services as perspective_services

from .conftest import _user, answer_all

ROLES = ["officer", "manager", "councillor", "outsider", "anonymous"]

#: One value per request, given to every field at once (a list: the field given several times).
VALUES = {
    "10k characters": "x" * 10_000,
    "25k characters": "y" * 25_000,
    "NUL": "a\x00b",
    "invisible characters": "\u202etxt.exe\u2066\u200b\u200d\ufeff\x7f\x1b",  # bidi, zero-width, controls
    "text for a number": "abc",
    "negative": "-1",
    "huge number": "9" * 30,
    "5000 digits": "9" * 5000,
    "float overflow": "1e309",
    "empty": "",
    "list": ["1", "2", "abc"],
    "markup and header injection": "<script>alert(1)</script>\"' OR 1=1--//evil.example/\r\nSet-Cookie: x=1",
    "astral and combining": "𝕏😀e\u0301\u00a0",
}
#: Caught by the input middleware before any view: not worth sending one field at a time.
REFUSED_UPFRONT = {"25k characters", "NUL"}

#: Not UTF-8: raw bytes (as WSGI gives them, one character per byte), broken percent escapes.
RAW_VALUE = "\xff\xfe%C3%28%zz%"
MULTIPART = "multipart/form-data; boundary=fuzzboundary"

#: Query parameters tried on every URL, besides those its forms and links use.
GENERIC_QUERY = ["page", "next"]

#: Replacements for each kind of URL parameter.
NASTY_ARGS = {
    IntConverter: ["0", str(2**63), "9" * 40],
    SlugConverter: ["-", "a" * 300, "_-_"],
    None: ["%00", "%FF%FE", "%E2%80%AE", "a" * 300, ".."],  # str, path and the rest
}

#: A download taking longer than this (seconds) gets all values in one request per role and method.
SLOW = 0.25

DOWNLOAD = re.compile(r"\.[a-z]+$")


# --- The URL patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None  # with namespace, for reverse(); None if the pattern has no name
    converters: dict

    @property
    def is_download(self) -> bool:
        return bool(DOWNLOAD.search(self.route))


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield Route(prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else None, p.pattern.converters)


def _routes() -> list[Route]:
    seen, routes = set(), []
    for r in _walk(get_resolver().url_patterns):
        admin = r.route.startswith("admin/")
        if r.route in seen or (admin and r.name != "admin:login") or (r.name is None and r.converters):
            continue
        seen.add(r.route)
        routes.append(r)
    return routes


ROUTES = _routes()


# --- The data every test starts from --------------------------------------------------------


@dataclass
class World:
    users: dict
    audits: dict  # state -> audit
    council: object
    bundle: ReportBundle
    reset_user: object
    invitations: dict = field(default_factory=dict)  # state -> (invitation, its link's token)
    workshops: dict = field(default_factory=dict)  # state -> workshop perspective
    actions: dict = field(default_factory=dict)  # state -> an action planned from that audit
    clients: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)

    def arg(self, name: str, state: str = "draft"):
        values = {
            "pk": lambda: self.audits[state].pk,
            "council_slug": lambda: self.council.slug,
            "factor": lambda: "can-do",
            "bundle_id": lambda: self.bundle.pk,
            "invitation_id": lambda: self.invitations[state][0].pk,
            "perspective_id": lambda: self.workshops[state].pk,
            "action_id": lambda: self.actions[state].pk,
            "code": lambda: "CD1",
            "uidb64": lambda: urlsafe_base64_encode(force_bytes(self.reset_user.pk)),
            "token": lambda: default_token_generator.make_token(self.reset_user),
        }
        assert name in values, f"teach tests/test_fuzz.py World.arg how to fill the URL parameter {name!r}"
        return values[name]()

    def path(self, route: Route, state: str = "draft", **override) -> str:
        if route.name is None:
            return "/" + route.route
        if route.name == "perspectives:respond":  # an invitation link's token, not a password reset's
            override.setdefault("token", self.invitations["draft"][1])
        kwargs = {n: override.get(n, self.arg(n, state)) for n in route.converters}
        return reverse(route.name, kwargs=kwargs)

    def client(self, role: str) -> Client:
        """One client per role, logged in again whenever a request logged it out."""
        client = self.clients.setdefault(role, Client())
        if role != "anonymous":
            cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
            if cookie is None or cookie.value != self.sessions.get(role):
                client.force_login(self.users[role])
                self.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return client


def _perspectives(audit, officer, manager):
    """An invitation (with its token) and a workshop on the audit, as the perspectives pages need."""
    new = perspective_services.invitation_create(
        audit=audit, user=manager, kind="community", name="Riverside Tenants", respondents=1
    )
    workshop = perspective_services.workshop_create(
        audit=audit, user=officer, kind="residents", name="Riverside panel", participants=6
    )
    return (new.invitation, new.token), workshop


def _action(audit, user, *, trial=False):
    """An action planned from the audit (submitted or approved), with a progress note."""
    today = date.today()
    action = action_services.action_create(
        audit=audit,
        user=user,
        factor="can_do",
        data=action_services.ActionData(
            title="Digital help desks",
            start=today,
            due=today + timedelta(days=30),
            questions=list(Question.objects.filter(framework=audit.framework, code="CD1")),
            own_intervention="Help desks in libraries",
            owner=user,
            is_trial=trial,
            hypothesis="More first-time participants" if trial else "",
            judged_by="Counted at each session" if trial else "",
        ),
    )
    action_services.note_add(action=action, user=user, on=today, text="First session held")
    return action


@pytest.fixture
def world(council, planning, officer, manager, councillor, outsider, complete_audit, settings) -> World:
    settings.PERSPECTIVE_LINK_RATE = 1_000_000  # the fuzz sends thousands of requests through one link
    whole = services.audit_create(user=officer, council=council, service=None, period="2026/27")
    # Rated 2: every factor is weak, so the audit's page offers to plan actions from each response.
    submitted = services.audit_submit(audit=answer_all(whole, officer, rating=2), user=officer)
    libraries = Service.objects.create(council=council, name="Libraries")
    approved = services.audit_create(user=officer, council=council, service=libraries, period="2025/26")
    approved = services.audit_submit(audit=answer_all(approved, officer), user=officer)
    extras = {
        "draft": _perspectives(complete_audit, officer, manager),
        "submitted": _perspectives(submitted, officer, manager),
        "approved": _perspectives(approved, officer, manager),
    }
    approved = services.audit_approve(audit=approved, user=manager)
    assert (complete_audit.status, submitted.status, approved.status) == (
        AuditStatus.DRAFT,
        AuditStatus.SUBMITTED,
        AuditStatus.APPROVED,
    )
    bundle = ReportBundle.objects.create(
        council=council, requested_by=officer, state=BundleState.DONE, done=1, total=1, filename="r.zip", content=b"PK"
    )
    planned = {"submitted": _action(submitted, manager), "approved": _action(approved, officer, trial=True)}
    for audit in (complete_audit, submitted):  # a comment thread to reply to and resolve
        comment_services.comment_post(
            audit=audit,
            question=audit.framework.questions.get(code="CD1"),
            user=manager,
            body="Which survey?",
            to=officer,
        )
    return World(
        actions={"draft": planned["submitted"], **planned},
        users={"officer": officer, "manager": manager, "councillor": councillor, "outsider": outsider},
        audits={"draft": complete_audit, "submitted": submitted, "approved": approved},
        council=council,
        bundle=bundle,
        reset_user=_user("reset-me", email="reset-me@example.org"),
        invitations={state: link for state, (link, _) in extras.items()},
        workshops={state: workshop for state, (_, workshop) in extras.items()},
    )


# --- Reading the pages' forms ---------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page (method, targets, fields with their initial values) and its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.links = [], []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            # autosave.js posts the form to its data-autosave-url too.
            targets = [a.get("action") or "", *([a["data-autosave-url"]] if a.get("data-autosave-url") else [])]
            self._form = {"method": (a.get("method") or "get").upper(), "targets": targets, "fields": []}
            self.forms.append(self._form)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif (
            tag == "option"
            and self._form is not None
            and self._select
            and (dict(self._form["fields"])[self._select] is None or "selected" in a)
        ):
            self._set(self._select, a.get("value", ""))
        if self._form is None or not a.get("name") or a["name"] == "csrfmiddlewaretoken":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or not any(n == a["name"] for n, _ in self._form["fields"]):
                    self._set(a["name"], a.get("value", "on"))
            elif kind == "password":
                self._set(a["name"], "not-the-password")
            elif kind == "email":
                self._set(a["name"], a.get("value") or "nobody@example.org")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self._set(a["name"], a.get("value", ""))
        elif tag == "button" and a.get("value") is not None:
            self._set(a["name"], a["value"], keep=True)
        elif tag == "select":
            self._select = a["name"]
            self._set(a["name"], None)
        elif tag == "textarea":
            self._textarea = a["name"]
            self._set(a["name"], "")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            name, current = self._textarea, dict(self._form["fields"])[self._textarea]
            if not current and data.startswith("\n"):
                data = data[1:]  # HTML drops the line break just after <textarea>
            self._set(name, current + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _set(self, name, value, keep=False):
        fields = self._form["fields"]
        for i, (n, _) in enumerate(fields):
            if n == name:
                if not keep:
                    fields[i] = (name, value)
                return
        fields.append((name, value))


@dataclass(frozen=True)
class FoundForm:
    method: str
    action: str  # the URL pattern's route it sends to
    action_args: tuple  # (name, ("world", state) | ("literal", value))
    page: str  # the route of the page it was found on, opened first
    state: str
    role: str
    fields: tuple  # (name, initial value)


@dataclass
class Discovery:
    forms: list[FoundForm]
    query_names: dict  # route -> names used in links' and GET forms' query strings


_discovery: Discovery | None = None


def _route_of(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        return None, {}
    route = next((r for r in ROUTES if r.name == match.view_name), None)
    return route, match.kwargs


def _args_spec(world: World, kwargs: dict, state: str) -> tuple:
    spec = []
    for name, value in kwargs.items():
        try:
            same = str(world.arg(name, state)) == str(value)
        except AssertionError:
            same = False
        spec.append((name, ("world", state) if same else ("literal", value)))
    return tuple(spec)


def discover(world: World) -> Discovery:
    """Open every page as every role (and on each audit state) and read its forms and links."""
    global _discovery
    if _discovery is not None:
        return _discovery
    forms, query_names, seen = [], {}, set()
    for route in ROUTES:
        if route.is_download:
            continue
        for state in ("draft", "submitted", "approved") if "pk" in route.converters else ("draft",):
            start = world.path(route, state)
            for role in ROLES:
                response = world.client(role).get(start, follow=True)
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                page_url = response.request["PATH_INFO"]
                parser = _Forms()
                parser.feed(response.content.decode())
                for href in parser.links:
                    target, _ = _route_of(urlsplit(urljoin(page_url, href)).path)
                    if target is not None:
                        names = {n for n, _ in parse_qsl(urlsplit(href).query, keep_blank_values=True)}
                        query_names.setdefault(target.route, set()).update(names)
                for form in parser.forms:
                    for target_url in form["targets"]:
                        target, kwargs = _route_of(urlsplit(urljoin(page_url, target_url or page_url)).path)
                        if target is None:
                            continue
                        fields = tuple(form["fields"])
                        if form["method"] == "GET":
                            query_names.setdefault(target.route, set()).update(n for n, _ in fields)
                        key = (form["method"], target.route, tuple(n for n, _ in fields))
                        if key in seen:
                            continue
                        seen.add(key)
                        forms.append(
                            FoundForm(
                                form["method"],
                                target.route,
                                _args_spec(world, kwargs, state),
                                route.route,
                                state,
                                role,
                                fields,
                            )
                        )
    _discovery = Discovery(forms, query_names)
    return _discovery


# --- Sending requests -----------------------------------------------------------------------


class Fuzzer:
    def __init__(self, world: World):
        self.world = world
        self.failures: list[str] = []
        self.count = 0

    def send(
        self, role, method, path, *, query="", body=b"", content_type="application/x-www-form-urlencoded", what=""
    ):
        self.count += 1
        n = self.count
        client = self.world.client(role)
        try:
            with transaction.atomic():  # a database error must not spoil the requests after it
                response = client.generic(
                    method,
                    path,
                    data=body,
                    content_type=content_type,
                    QUERY_STRING=query,
                    REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",  # no lockouts
                )
        except Exception as exc:
            self.failures.append(f"{method} {path} as {role}, {what}: {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method} {path} as {role}, {what}: {response.status_code}")
        return response


def _encode(data: dict) -> str:
    return urlencode([(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])])


def _multipart(names, *, truncated=False) -> bytes:
    parts = [
        b'--fuzzboundary\r\nContent-Disposition: form-data; name="%s"\r\n\r\n\xff\xfe\xc3\x28\r\n' % n.encode()
        for n in names
    ]
    parts.append(
        b'--fuzzboundary\r\nContent-Disposition: form-data; name="file"; filename="\xff\x00.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n\xff\xfe\r\n"
    )
    return b"".join(parts) + (b"--fuzzbound" if truncated else b"--fuzzboundary--\r\n")


def _raw(names) -> str:
    return "&".join(f"{quote(n)}={RAW_VALUE}" for n in names)


def _kitchen_sink(names) -> dict:
    """Every field given every value (but those the middleware refuses) at once."""
    values = [v for k, vs in VALUES.items() if k not in REFUSED_UPFRONT for v in (vs if isinstance(vs, list) else [vs])]
    return {n: values for n in names}


def _kitchen(get_names, post_names) -> tuple[str, bytes]:
    query = _encode(_kitchen_sink(get_names)) + "&" + _raw(get_names)
    return query, (_encode(_kitchen_sink(post_names)) + "&" + _raw(post_names)).encode("latin-1")


def sweep_get(fuzzer: Fuzzer, role: str, path: str, get_names, post_names, *, slow: set) -> int | None:
    """Every value in every query parameter; the status of the first answer."""
    query, body = _kitchen(get_names, post_names)
    started = time.perf_counter()
    first = fuzzer.send(role, "GET", path, query=query, what="GET all values and raw bytes")
    if first is None:
        return None
    if time.perf_counter() - started > SLOW and "text/html" not in first.get("Content-Type", ""):
        # A download that takes long to make: the values above, all at once, are enough (and
        # once for the URL in a POST); NUL and overlong values are refused before the view.
        for what in REFUSED_UPFRONT:
            fuzzer.send(role, "GET", path, query=_encode(dict.fromkeys(get_names, VALUES[what])), what=what)
        if not slow:
            fuzzer.send(role, "POST", path, query=query, body=body, what="all values and raw bytes")
        slow.add(role)
        return first.status_code
    for what, value in VALUES.items():
        fuzzer.send(role, "GET", path, query=_encode(dict.fromkeys(get_names, value)), what=f"GET {what}")
    fuzzer.send(role, "GET", path, query=_raw(get_names), what="GET raw bytes")
    return first.status_code


def sweep_post(fuzzer: Fuzzer, role: str, path: str, get_names, post_names, *, posts_forms: bool):
    """Every value in every field of the URL's forms; for a URL without forms, all at once."""
    if not posts_forms:
        query, body = _kitchen(get_names, post_names)
        fuzzer.send(role, "POST", path, query=query, body=body, what="POST all values and raw bytes")
        return
    for what, value in VALUES.items():
        fuzzer.send(role, "POST", path, body=_encode(dict.fromkeys(post_names, value)).encode(), what=f"POST {what}")
    fuzzer.send(role, "POST", path, body=_raw(post_names).encode("latin-1"), what="POST raw bytes")
    fuzzer.send(role, "POST", path, body=_multipart(post_names), content_type=MULTIPART, what="multipart")
    fuzzer.send(
        role, "POST", path, body=_multipart(post_names, truncated=True), content_type=MULTIPART, what="cut multipart"
    )


def sweep_url_args(fuzzer: Fuzzer, world: World, route: Route, *, posts_forms: bool):
    for name, converter in route.converters.items():
        marker = "424242" if isinstance(converter, IntConverter) else "fuzzmarker"
        template = world.path(route, **{name: marker})
        for value in NASTY_ARGS.get(type(converter), NASTY_ARGS[None]):
            path = template.replace(marker, value)
            for role in ("officer", "anonymous"):
                fuzzer.send(role, "GET", path, what=f"{name}={value[:20]}")
                if posts_forms:
                    fuzzer.send(role, "POST", path, body=b"version=1", what=f"{name}={value[:20]}")


def sweep_form(fuzzer: Fuzzer, world: World, form: FoundForm):
    """The form as its page shows it, one field at a time replaced by each value."""
    page = next(r for r in ROUTES if r.route == form.page)
    action = next(r for r in ROUTES if r.route == form.action)
    args = {n: world.arg(n, spec[1]) if spec[0] == "world" else spec[1] for n, spec in form.action_args}
    path = reverse(action.name, kwargs=args)
    base = dict(form.fields)
    # Answers to several questions have the same fields (A1-rating, A2-rating): try the first only.
    fields = list({name.rsplit("-", 1)[-1]: name for name in reversed(base)}.values())
    world.client(form.role).get(world.path(page, form.state), follow=True)
    for name in fields:
        for what, value in VALUES.items():
            if what in REFUSED_UPFRONT:
                continue
            data = _encode({**base, name: value})
            label = f"{form.method} form from {form.page} ({form.state}), {name}={what}"
            if form.method == "GET":
                fuzzer.send(form.role, "GET", path, query=data, what=label)
            else:
                fuzzer.send(form.role, "POST", path, body=data.encode(), what=label)


@pytest.mark.parametrize("route", ROUTES, ids=[r.route or "/" for r in ROUTES])
def test_no_input_gives_a_server_error(world, route):
    found = discover(world)
    forms = [f for f in found.forms if f.action == route.route]
    post_names = sorted({n for f in forms if f.method == "POST" for n, _ in f.fields})
    get_names = sorted(found.query_names.get(route.route, set()) | set(GENERIC_QUERY))
    path = world.path(route)
    fuzzer = Fuzzer(world)
    slow, posts_forms = set(), bool(post_names)
    for role in ROLES:
        status = sweep_get(fuzzer, role, path, get_names, post_names or get_names, slow=slow)
        posts_forms = posts_forms or status == 405  # a view that only takes POST
        if role not in slow:
            sweep_post(fuzzer, role, path, get_names, post_names or get_names, posts_forms=posts_forms)
    sweep_url_args(fuzzer, world, route, posts_forms=posts_forms)
    for form in forms:
        sweep_form(fuzzer, world, form)
    assert not fuzzer.failures, f"{len(fuzzer.failures)} of {fuzzer.count} requests failed:\n" + "\n".join(
        fuzzer.failures[:40]
    )
