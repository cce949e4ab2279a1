"""Every URL of the app, for every role and for a member of another council.

Two layers:
- ``test_no_leak_and_no_write_without_the_right_role`` walks every URL pattern it finds in
  ``audits.urls``, ``perspectives.urls`` and ``actions.urls`` (GET and POST, every role): nobody outside the
  council sees its name or changes anything, and councillors change nothing but their own
  ratings. New URLs are walked without anyone adding them anywhere.
- An invitation link's page (``perspectives:respond``) needs no account: the token is the
  key. It is walked for anonymous visitors with a valid, a revoked and a made-up token.
- The table below pins the exact answer of each URL for each role; a new URL fails
  ``test_every_url_is_in_the_table`` until its expected answers are written down here.
"""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import urls as action_urls
from actions.models import Action, ActionEvent, ProgressNote
from audits import urls as audit_urls
from audits.models import (
    Answer,
    Audit,
    AuditEvent,
    BundleState,
    Council,
    CouncilEvent,
    FactorAssignment,
    Question,
    ReportBundle,
)
from discussions import urls as discussion_urls
from discussions.models import Comment, Thread
from languages import urls as language_urls
from notifications import urls as notification_urls
from perspectives import services as perspective_services
from perspectives import urls as perspective_urls
from perspectives.models import (
    CouncillorRequest,
    DivergenceNote,
    Invitation,
    Perspective,
    PerspectiveAnswer,
    WorkshopTally,
    token_hash,
)

from .helpers import step_post_data

ROLES = ["officer", "manager", "councillor", "outsider"]

# url name -> {(method, role): status}. The audit is a draft of the officers' council.
EXPECTED = {
    "list": {("GET", r): 200 for r in ROLES},
    "create": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 403, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 403, 403, 404], strict=True)},
    },
    "detail": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    # The picker shows one's own councils only (the outsider is sent to their own council).
    "dashboard-picker": {("GET", r): 302 for r in ROLES},
    "dashboard": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "dashboard-csv": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "council-settings": {
        **{("GET", r): s for r, s in zip(ROLES, [403, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [403, 302, 403, 404], strict=True)},
    },
    "report": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "council-report": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "step": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 403, 403, 404], strict=True)},
    },
    # Submitting an incomplete draft re-renders the page with what is missing.
    "submit": {("POST", r): s for r, s in zip(ROLES, [200, 403, 403, 404], strict=True)},
    # The review page is the managers'; deciding on a draft is refused: the page comes back
    # with the reason (409 Conflict).
    "review": {
        **{("GET", r): s for r, s in zip(ROLES, [403, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [403, 409, 403, 404], strict=True)},
    },
    # Withdrawing a draft is refused with a message on the audit's page (nothing changes).
    "withdraw": {("POST", r): s for r, s in zip(ROLES, [302, 403, 403, 404], strict=True)},
    # The officer who started the draft, or a manager, deletes it (after a confirmation page).
    "delete": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    "team": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    # Comments on answers are the officers' and managers' working discussion.
    "discussions:thread": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    "discussions:resolve": {("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    # Everyone's own e-mail settings.
    "notifications:settings": {
        **{("GET", r): 200 for r in ROLES},
        **{("POST", r): 302 for r in ROLES},
    },
    # Reopening a draft is refused with a message on the audit's page (nothing changes).
    "reopen": {("POST", r): s for r, s in zip(ROLES, [403, 302, 403, 404], strict=True)},
    "history": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "autosave": {("POST", r): s for r, s in zip(ROLES, [200, 403, 403, 404], strict=True)},
    "about": {("GET", r): 200 for r in ROLES},
    # The language switcher on every page (the sign-in page too): back to the page it was on.
    "languages:set": {**{("POST", r): 302 for r in ROLES}, **{("GET", r): 405 for r in ROLES}},
    "method": {("GET", r): 200 for r in ROLES},
    # Everyone who may read the reports may have them rendered into one zip.
    "council-reports": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 302, 404], strict=True)},
    },
    "report-bundle": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "report-bundle-progress": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "report-bundle-download": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    # Perspectives: every member reads the comparison; officers and managers invite and key in
    # workshops; councillors give their own ratings; officers explain divergences.
    "perspectives:overview": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "perspectives:note": {("POST", r): s for r, s in zip(ROLES, [302, 403, 403, 404], strict=True)},
    "perspectives:invite": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    "perspectives:councillors": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    "perspectives:invitation": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "perspectives:invitation-new-link": {("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    "perspectives:invitation-revoke": {("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    "perspectives:rate": {
        **{("GET", r): s for r, s in zip(ROLES, [403, 403, 200, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [403, 403, 302, 404], strict=True)},
    },
    "perspectives:workshop-new": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    # A small group's raw counts are for officers and managers only.
    "perspectives:workshop": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    # Action plans: every member reads them; officers and managers plan and update actions;
    # councillors change nothing. A draft audit is not planned from yet: back to its page.
    "actions:new": {
        **{("GET", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    "actions:plan": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "actions:plan-csv": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    # Everyone's own actions (none, for a member of another council).
    "actions:mine": {("GET", r): 200 for r in ROLES},
    "actions:detail": {("GET", r): s for r, s in zip(ROLES, [200, 200, 200, 404], strict=True)},
    "actions:edit": {
        **{("GET", r): s for r, s in zip(ROLES, [200, 200, 403, 404], strict=True)},
        **{("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    },
    "actions:status": {("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    "actions:note": {("POST", r): s for r, s in zip(ROLES, [302, 302, 403, 404], strict=True)},
    # The link is the key: anyone holding a valid one may answer, signed in or not.
    "perspectives:respond": {
        **{("GET", r): 200 for r in ROLES},
        **{("POST", r): 302 for r in ROLES},
    },
}

#: (namespace, pattern) of every URL walked here.
PATTERNS = (
    [("audits", p) for p in audit_urls.urlpatterns]
    + [("perspectives", p) for p in perspective_urls.urlpatterns]
    + [("actions", p) for p in action_urls.urlpatterns]
    + [("notifications", p) for p in notification_urls.urlpatterns]
    + [("discussions", p) for p in discussion_urls.urlpatterns]
    + [("languages", p) for p in language_urls.urlpatterns]
)
#: URLs that need no account: the token in the address is the key.
TOKEN_URLS = {"perspectives:respond"}
#: URLs open to anyone, signed in or not, which show and change nothing of a council.
PUBLIC_URLS = {"languages:set"}


def key_of(namespace, pattern) -> str:
    return pattern.name if namespace == "audits" else f"{namespace}:{pattern.name}"


# How to fill each URL parameter, by its name in the pattern. A new parameter name fails
# the walk with a message saying to add it here.
def finished_bundle(audit):
    return ReportBundle.objects.create(
        council=audit.council,
        requested_by=audit.created_by,
        state=BundleState.DONE,
        done=1,
        total=1,
        filename="reports.zip",
        content=b"PK",
    ).pk


_names = itertools.count(1)


def _invitation(audit):
    """An invitation of the audit, whatever its status (an approved audit's was made before)."""
    perspective = Perspective.objects.create(
        audit=audit, kind="community", channel="link", name=f"Group {next(_names)}", created_by=audit.created_by
    )
    token = f"test-token-{perspective.pk}-" + "x" * 30
    invitation = Invitation.objects.create(
        perspective=perspective,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(days=7),
        created_by=audit.created_by,
    )
    return perspective_services.NewLink(invitation, token)


def _action(audit):
    """An action of the audit's scope, owned by its officer (made directly: a draft is not planned from)."""
    action = Action.objects.create(
        council=audit.council,
        service=audit.service,
        audit=audit,
        factor="can_do",
        title=f"Digital help desks {next(_names)}",
        own_intervention="Help desks in libraries",
        owner=audit.created_by,
        start=timezone.localdate(),
        due=timezone.localdate() + timedelta(days=30),
        created_by=audit.created_by,
    )
    action.questions.set(Question.objects.filter(framework=audit.framework, code="CD1"))
    return action


def _action_form(audit):
    question = Question.objects.get(framework=audit.framework, code="CD1")
    today = timezone.localdate()
    return {
        "title": "Digital help desks",
        "own_intervention": "Help desks in libraries",
        "questions": [question.pk],
        "owner": audit.created_by.pk,
        "start": today.isoformat(),
        "due": (today + timedelta(days=60)).isoformat(),
        "version": "1",
    }


def _thread(audit):
    """The code of a question of the audit with an open comment thread."""
    question = Question.objects.get(framework=audit.framework, code="CD1")
    if not Thread.objects.filter(audit=audit, question=question).exists():
        thread = Thread.objects.create(
            audit=audit, question=question, opened_by=audit.created_by, last_author=audit.created_by, comments_count=1
        )
        Comment.objects.create(thread=thread, author=audit.created_by, body="Which survey is this from?")
    return question.code


PARAMETERS = {
    "pk": lambda audit: audit.pk,
    "code": _thread,
    "action_id": lambda audit: _action(audit).pk,
    "invitation_id": lambda audit: _invitation(audit).invitation.pk,
    "token": lambda audit: _invitation(audit).token,
    "perspective_id": lambda audit: (
        Perspective.objects.create(
            audit=audit,
            kind="residents",
            channel="workshop",
            name=f"Panel {next(_names)}",
            respondents=6,
            created_by=audit.created_by,
        ).pk
    ),
    "council_slug": lambda audit: audit.council.slug,
    "factor": lambda audit: "can-do",
    "bundle_id": finished_bundle,
}


def url_for(name, audit):
    namespace, pattern = next((ns, p) for ns, p in PATTERNS if key_of(ns, p) == name)
    names = pattern.pattern.converters.keys()
    missing = set(names) - set(PARAMETERS)
    assert not missing, f"teach tests/views/test_access.py PARAMETERS how to fill {missing} for {name}"
    return reverse(f"{namespace}:{pattern.name}", kwargs={n: PARAMETERS[n](audit) for n in names})


def _a_councillor(audit):
    """A councillor of the audit's council, to ask for ratings."""
    from audits.models import Membership, Role

    from ..conftest import _user

    found = Membership.objects.filter(council=audit.council, role=Role.COUNCILLOR).first()
    return found.user if found else _user("walk-councillor", audit.council, Role.COUNCILLOR)


def post_data(name, audit):
    return {
        "create": {"service": "", "period": "2025/26"},
        "step": step_post_data(audit),
        "autosave": step_post_data(audit),
        "review": {"decision": "approve", "version": audit.version},
        "council-settings": {"benchmark_opt_in": "on"},
        "reopen": {"reason": "Figures corrected"},
        "delete": {"confirm": "delete"},
        "team": {"lead": audit.created_by.pk, "factor_asked_to": audit.created_by.pk},
        "notifications:settings": {"submitted": "on"},
        "languages:set": {"language": "cy", "next": "/audits/"},
        "discussions:thread": {"body": "Which survey is this from?"},
        "perspectives:note": {"question": "CD1", "note": "Checked with the tenants' chair"},
        "perspectives:invite": {
            "name": "Riverside Tenants",
            "kind": "community",
            "respondents": "1",
            "expires_on": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
        "perspectives:rate": {"CD1-choice": "3", "CD1-comment": "Seen at surgeries"},
        "perspectives:councillors": {"councillors": [_a_councillor(audit).pk]},
        "perspectives:workshop-new": {"name": "Riverside panel", "kind": "residents", "participants": "6"},
        "perspectives:workshop": {"name": "Riverside panel", "participants": "6", "CD1-rated_2": "3"},
        "perspectives:respond": {"CD1-choice": "3", "CD1-comment": "Hall open evenings"},
        "actions:new": _action_form(audit),
        "actions:edit": _action_form(audit),
        "actions:status": {"status": "in_progress", "version": "1"},
        "actions:note": {"on": timezone.localdate().isoformat(), "text": "First session held"},
    }.get(name, {})


def snapshot(*, own_ratings_of=None):
    """Everything a write could change."""
    return (
        list(Answer.objects.order_by("pk").values_list("pk", "rating", "evidence_notes", "audit_version")),
        list(Audit.objects.order_by("pk").values_list("pk", "status", "version", "revision", "lead")),
        list(FactorAssignment.objects.order_by("pk").values_list("pk", "factor", "user")),
        CouncilEvent.objects.count(),
        list(Thread.objects.order_by("pk").values_list("pk", "resolved_at", "comments_count")),
        Comment.objects.count(),
        AuditEvent.objects.count(),
        list(Council.objects.order_by("pk").values_list("pk", "benchmark_opt_in")),
        list(
            Perspective.objects.exclude(channel="members" if own_ratings_of else "")
            .order_by("pk")
            .values_list("pk", "name", "respondents")
        ),
        list(Invitation.objects.order_by("pk").values_list("pk", "token_hash", "revoked_at", "expires_at")),
        list(WorkshopTally.objects.order_by("pk").values_list("pk", "rated_1", "rated_2", "rated_3", "rated_4")),
        list(DivergenceNote.objects.order_by("pk").values_list("pk", "note")),
        list(CouncillorRequest.objects.order_by("pk").values_list("pk", "asked_at")),
        list(PerspectiveAnswer.objects.exclude(user=own_ratings_of).order_by("pk").values_list("pk", "rating")),
        list(Action.objects.order_by("pk").values_list("pk", "title", "status", "version", "due")),
        ActionEvent.objects.count(),
        ProgressNote.objects.count(),
    )


WALK = [
    (key_of(ns, p), method, role, state)
    for ns, p in PATTERNS
    if key_of(ns, p) not in TOKEN_URLS
    for method in ("GET", "POST")
    for role in ("councillor", "outsider")
    for state in ("complete_audit", "submitted_audit", "approved_audit")
]


@pytest.mark.parametrize(
    ("name", "method", "role", "state"), WALK, ids=[f"{m} {n} as {r} on {s}" for n, m, r, s in WALK]
)
def test_no_leak_and_no_write_without_the_right_role(request, client, other_council, name, method, role, state):
    """Whatever the URL and the audit's status: a member of another council gets nothing of
    this council (404, or a page about their own), and a councillor (read-only) changes nothing."""
    audit = request.getfixturevalue(state)
    client.force_login(request.getfixturevalue(role))
    url = url_for(name, audit)
    # A councillor's own ratings are theirs to give: all else stays as it was.
    own_ratings = request.getfixturevalue(role) if role == "councillor" and name == "perspectives:rate" else None
    before = snapshot(own_ratings_of=own_ratings)
    data = {**post_data(name, audit), "decision": "approve", "version": audit.version, "reason": "Checking"}
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert snapshot(own_ratings_of=own_ratings) == before
    if role == "outsider":
        assert response.status_code in (200, 302, 404, 405), response.status_code
        assert audit.council.name not in response.content.decode()
        if response.status_code == 302:
            assert audit.council.slug not in response.url and f"/{audit.pk}/" not in response.url
    else:
        assert response.status_code in (200, 302, 403, 405, 409), response.status_code  # 409: closed, nothing changed


def test_every_url_is_in_the_table():
    assert {key_of(ns, p) for ns, p in PATTERNS} == set(EXPECTED)


CASES = [(name, method, role, status) for name, table in EXPECTED.items() for (method, role), status in table.items()]


@pytest.mark.parametrize(("name", "method", "role", "status"), CASES, ids=[f"{m} {n} as {r}" for n, m, r, _ in CASES])
def test_access(request, client, audit, other_council, name, method, role, status):
    user = request.getfixturevalue(role)
    client.force_login(user)
    answers_before = Answer.objects.count()
    audits_before = list(Audit.objects.values_list("pk", "status", "version"))
    url = url_for(name, audit)
    response = client.get(url) if method == "GET" else client.post(url, post_data(name, audit))
    assert response.status_code == status
    if status in (403, 404):
        assert not ActionEvent.objects.exclude(kind="created").exists()
        assert Answer.objects.count() == answers_before
        assert list(Audit.objects.values_list("pk", "status", "version")) == audits_before
    if role == "outsider" and name not in TOKEN_URLS:  # holding a link, anyone sees whose it is
        assert "Ynys Môn" not in response.content.decode()


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - TOKEN_URLS - PUBLIC_URLS))
def test_anonymous_users_are_sent_to_the_login_page(client, audit, name):
    method = "GET" if ("GET", "officer") in EXPECTED[name] else "POST"
    url = url_for(name, audit)
    response = client.get(url) if method == "GET" else client.post(url, post_data(name, audit))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_other_councils_audits_are_404_even_for_their_managers(client, audit, other_council):
    from audits.models import Membership, Role

    from ..conftest import _user

    boss = _user("other-manager", other_council, Role.MANAGER)
    client.force_login(boss)
    assert client.get(f"/audits/{audit.pk}/").status_code == 404
    assert client.post(f"/audits/{audit.pk}/review/", {"decision": "approve"}).status_code == 404
    assert Membership.objects.filter(user=boss).count() == 1


@pytest.mark.parametrize("token", ["valid", "revoked", "expired", "made-up", "replaced"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_anonymous_visitor_with_or_without_a_token(client, audit, method, token):
    """With a valid link: the questions, and an answer saved. With any other: a clear page
    without a word of the council's, and nothing saved."""
    new = _invitation(audit)
    if token == "revoked":
        perspective_services.invitation_revoke(invitation=new.invitation, user=audit.created_by)
    if token == "expired":
        Invitation.objects.filter(pk=new.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    if token == "replaced":  # a new link was made: the old one opens nothing
        perspective_services.invitation_new_link(invitation=new.invitation, user=audit.created_by)
    url = {
        "made-up": reverse("perspectives:respond", args=["x" * 43]),
    }.get(token, reverse("perspectives:respond", args=[new.token]))
    before = snapshot()
    data = post_data("perspectives:respond", audit)
    response = client.get(url) if method == "GET" else client.post(url, data)
    page = response.content.decode()
    if token == "valid":
        assert response.status_code == {"GET": 200, "POST": 302}[method]
        if method == "POST":
            assert PerspectiveAnswer.objects.get().invitation_id == new.invitation.pk
        return
    assert snapshot() == before
    assert response.status_code == (404 if token in ("made-up", "replaced") else 410)
    assert audit.council.name not in page and "Planning" not in page


def test_a_link_of_one_audit_answers_for_that_audit_only(client, audit, other_council, outsider):
    from audits import services

    theirs = services.audit_create(user=outsider, council=other_council, service=None, period="2026/27")
    new = _invitation(theirs)
    client.post(reverse("perspectives:respond", args=[new.token]), {"CD1-choice": "4"})
    assert list(PerspectiveAnswer.objects.values_list("perspective__audit_id", flat=True)) == [theirs.pk]
