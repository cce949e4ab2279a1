"""Perspectives pages. Members' pages fetch the audit through perspectives.permissions (another
council's audit is a 404); the invitation link's page (``respond``) needs no account and shows
that link's questions and nothing else."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audits.forms import errors_onto
from audits.models import AuditStatus

from . import selectors, services, throttle
from .comparison import comparison
from .forms import (
    CouncillorsForm,
    InvitationForm,
    NewLinkForm,
    NoteForm,
    RatingForm,
    RatingRow,
    TallyForm,
    WorkshopForm,
    WorkshopHeaderForm,
)
from .models import Channel, InvitationState, token_hash
from .permissions import PerspectiveAction, get_audit, may

User = get_user_model()

#: Where a just-made link waits, in the session, to be shown once on the invitation's page.
NEW_LINKS = "perspectives-new-links"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# -- The comparison --------------------------------------------------------------------------


def overview(request: HttpRequest, pk: int, *, note_form: NoteForm | None = None, status: int = 200) -> HttpResponse:
    audit = get_audit(request.user, pk)
    council_id = audit.council_id
    compared = comparison(audit)
    return render(
        request,
        "perspectives/overview.html",
        {
            "audit": audit,
            "c": compared,
            "is_open": audit.status != AuditStatus.APPROVED,
            "may_invite": may(request.user, PerspectiveAction.INVITE, council_id),
            "may_rate": may(request.user, PerspectiveAction.RATE, council_id),
            "may_explain": may(request.user, PerspectiveAction.EXPLAIN, council_id),
            "note_form": note_form,
            "min_group": settings.PERSPECTIVE_MIN_GROUP,
        },
        status=status,
    )


@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit(request.user, pk, PerspectiveAction.EXPLAIN)
    form = NoteForm(request.POST)
    if form.is_valid():
        question = next((q for q in selectors.questions_of(audit) if q.code == form.cleaned_data["question"]), None)
        if question is None:
            form.add_error("question", "That question is not one of this audit's.")
        else:
            try:
                services.divergence_note_save(
                    audit=audit, question=question, user=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages) + " Nothing was changed.")
                return overview(request, pk, note_form=form, status=400)
            messages.success(request, f"Note on {question.code} saved; it is in the audit's history.")
            return redirect(reverse("perspectives:overview", args=[audit.pk]) + f"#divergence-{question.code}")
    messages.error(request, "The note was not saved: it needs attention (marked below).")
    return overview(request, pk, note_form=form, status=400)


# -- Invitations -----------------------------------------------------------------------------


def _link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("perspectives:respond", args=[token]))


def _email(request: HttpRequest, new: services.NewLink, to: str) -> None:
    if not to:
        return
    try:
        services.invitation_email(invitation=new.invitation, link=_link(request, new.token), to=to, user=request.user)
    except OSError:
        messages.warning(
            request,
            f"The e-mail to {to} could not be sent (the mail server did not answer). Copy the link below instead.",
        )
    else:
        messages.info(request, f"The link was e-mailed to {to}.")


def _keep_link(request: HttpRequest, new: services.NewLink) -> HttpResponse:
    links = request.session.get(NEW_LINKS, {})
    links[str(new.invitation.pk)] = new.token
    request.session[NEW_LINKS] = links
    return redirect("perspectives:invitation", pk=new.invitation.perspective.audit_id, invitation_id=new.invitation.pk)


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit(request.user, pk, PerspectiveAction.INVITE)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.invitation_create(
                audit=audit,
                user=request.user,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                respondents=form.cleaned_data["respondents"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Invitation for {new.invitation.perspective.name} made.")
            _email(request, new, form.cleaned_data["email"])
            return _keep_link(request, new)
    if request.method == "POST":
        messages.error(request, "The invitation was not made: the form needs attention (marked below).")
    return render(
        request, "perspectives/invite.html", {"audit": audit, "form": form}, status=400 if form.errors else 200
    )


def invitation(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    audit = get_audit(request.user, pk)
    inv = selectors.invitation_of(audit, invitation_id)
    token = request.session.get(NEW_LINKS, {}).pop(str(inv.pk), None)
    if token is not None:
        request.session.modified = True
        if token_hash(token) != inv.token_hash:  # replaced since by another new link
            token = None
    response = render(
        request,
        "perspectives/invitation.html",
        {
            "audit": audit,
            "inv": inv,
            "link": _link(request, token) if token else "",
            "may_invite": may(request.user, PerspectiveAction.INVITE, audit.council_id),
            "new_link_form": NewLinkForm(),
            "answered": selectors.answered_count(inv.perspective.answers.all()),
        },
    )
    response["Cache-Control"] = "no-store"  # it may show the link
    return response


@require_POST
def invitation_new_link(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    audit = get_audit(request.user, pk, PerspectiveAction.INVITE)
    inv = selectors.invitation_of(audit, invitation_id)
    form = NewLinkForm(request.POST)
    if form.is_valid():
        try:
            new = services.invitation_new_link(invitation=inv, user=request.user, expires_at=form.expires_at())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was changed.")
            return redirect("perspectives:invitation", pk=audit.pk, invitation_id=inv.pk)
        messages.success(request, "New link made: the previous link no longer works.")
        _email(request, new, form.cleaned_data["email"])
        return _keep_link(request, new)
    messages.error(request, "No new link was made: " + " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("perspectives:invitation", pk=audit.pk, invitation_id=inv.pk)


@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    audit = get_audit(request.user, pk, PerspectiveAction.INVITE)
    inv = selectors.invitation_of(audit, invitation_id)
    services.invitation_revoke(invitation=inv, user=request.user)
    messages.success(
        request, f"The link of {inv.perspective.name} is revoked: it takes no more answers. What they answered stays."
    )
    return redirect("perspectives:invitation", pk=audit.pk, invitation_id=inv.pk)


# -- Rating: councillors signed in, and invited organisations through their link --------------


def _carried_forms(request: HttpRequest, questions, answers) -> list[RatingForm]:
    """Forms for the questions whose fields this request carries: one for an autosave, all
    for the button (an autosave builds one form, not 36)."""
    codes = {name.split("-", 1)[0] for name in request.POST}
    return [
        RatingForm(request.POST, question=q, initial_answer=answers.get(q.pk)) for q in questions if q.code in codes
    ]


def _rating_page(request, *, audit, questions, answers, save, template: str, context: dict) -> HttpResponse:
    """GET shows the questions; POST saves the questions it carries and changes (those that
    differ from what the page showed, so that a page saved whole does not write back answers
    given since through another page), or refuses them all with the reason, keeping what was
    typed."""
    if request.method == "POST":
        forms = _carried_forms(request, questions, answers)
        posted = [f for f in forms if f.has_changed()]
        invalid = [f for f in posted if not f.is_valid()]
        if not invalid:
            try:
                save({f.question: f.to_data() for f in posted})
            except services.PerspectiveClosedError as exc:
                if _wants_json(request):
                    return JsonResponse({"saved": False, "closed": True, "message": exc.messages[0]}, status=409)
                messages.error(request, exc.messages[0] + " What you typed is below, to copy; it was not saved.")
                return render(
                    request,
                    template,
                    {**context, "closed": True, "unsaved": _posted_comments(request)},
                    status=409,
                )
            except ValidationError as exc:
                if _wants_json(request):
                    return JsonResponse(
                        {"saved": False, "message": " ".join(exc.messages) + " Nothing was saved."}, status=400
                    )
                messages.error(request, " ".join(exc.messages) + " Nothing was saved.")
            else:
                at = timezone.localtime()
                if _wants_json(request):
                    return JsonResponse({"saved": True, "message": f"Saved at {at:%H:%M}."})
                messages.success(request, f"Your answers are saved ({at:%H:%M}). You can come back and change them.")
                return redirect(request.path)
        elif _wants_json(request):
            reasons = [f"{f.question.code}: {next(iter(f.errors.values()))[0]}" for f in invalid]
            return JsonResponse({"saved": False, "message": "Not saved. " + " ".join(reasons)}, status=400)
        else:
            messages.error(request, "Nothing was saved: some answers need attention (marked below). Your text is kept.")
        status = 400
        carried = {f.question.pk: RatingRow.of_form(f) for f in forms}
        rows = [carried.get(q.pk) or RatingRow.of_answer(q, answers.get(q.pk)) for q in questions]
    else:
        rows, status = [RatingRow.of_answer(q, answers.get(q.pk)) for q in questions], 200
    return render(
        request,
        template,
        {
            **context,
            "groups": selectors.by_factor(rows),
            "answered": selectors.answered_count(answers.values()),
            "total": len(questions),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """A councillor's own ratings of the audit's questions."""
    audit = get_audit(request.user, pk, PerspectiveAction.RATE)
    perspective = audit.perspectives.filter(channel=Channel.MEMBERS).first()
    answers = selectors.own_answers(perspective, request.user)
    closed = audit.status == AuditStatus.APPROVED
    return _rating_page(
        request,
        audit=audit,
        questions=[] if closed else selectors.questions_of(audit),
        answers=answers,
        save=lambda data: services.answers_save_by_councillor(audit=audit, user=request.user, answers=data),
        template="perspectives/rate.html",
        context={"audit": audit, "closed": closed},
    )


def _link_problem(request: HttpRequest, message: str, status: int, unsaved=()) -> HttpResponse:
    """A link that takes no answers (now): 410 closed, 404 not a link, 429 too many requests.
    Comments typed into a page whose link closed meanwhile come back, to copy."""
    if _wants_json(request):
        return JsonResponse({"saved": False, "closed": status == 410, "message": message}, status=status)
    return render(request, "perspectives/link_problem.html", {"message": message, "unsaved": unsaved}, status=status)


def _posted_comments(request: HttpRequest) -> list[tuple[str, str]]:
    """(question code, comment) of the comments a refused request carried, to give back to copy."""
    return [
        (name.removesuffix("-comment"), value)
        for name, value in request.POST.items()
        if name.endswith("-comment") and not name.startswith("initial-") and value.strip()
    ][:100]


@login_not_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: the audit's questions, and nothing else."""
    inv = services.invitation_for_token(token)
    address = get_client_ip_address(request) or ""  # behind a proxy: the client's, as for login throttling
    key, limit = (
        (f"link:{inv.pk}", settings.PERSPECTIVE_LINK_RATE)
        if inv
        else (f"address:{address}", max(1, settings.PERSPECTIVE_LINK_RATE // 4))
    )
    if not throttle.allow(key, limit):
        wait = throttle.seconds_to_next_window()
        response = _link_problem(
            request, f"Too many requests from this link in a short time. Wait {wait} seconds, then try again.", 429
        )
        response["Retry-After"] = str(wait)
        return response
    if inv is None:
        return _link_problem(
            request,
            "This link does not open any questions. Check that it was copied whole, or ask the person who sent it for a new one.",
            404,
        )
    state = inv.state()
    if state != InvitationState.OPEN:
        unsaved = _posted_comments(request) if request.method == "POST" else ()
        return _link_problem(request, services.closed_message(state), 410, unsaved)
    perspective = inv.perspective
    audit = perspective.audit
    response = _rating_page(
        request,
        audit=audit,
        questions=selectors.questions_of(audit),
        answers=selectors.own_answers(perspective),
        save=lambda data: services.answers_save_by_link(invitation=inv, answers=data),
        template="perspectives/respond.html",
        context={"audit": audit, "perspective": perspective, "inv": inv, "closed": False},
    )
    # The link is a secret: not kept in caches (SECURE_REFERRER_POLICY already keeps it from other sites).
    response["Cache-Control"] = "no-store"
    return response


# -- Asking the councillors -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def councillors(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers and managers ask the council's councillors, by e-mail, to give their ratings."""
    audit = get_audit(request.user, pk, PerspectiveAction.INVITE)
    states = selectors.councillors_of(audit)
    form = CouncillorsForm(request.POST or None, councillors=User.objects.filter(pk__in=[s.user.pk for s in states]))
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["councillors"])
        try:
            asked = services.councillors_ask(
                audit=audit,
                user=request.user,
                councillors=chosen,
                rate_url=request.build_absolute_uri(reverse("perspectives:rate", args=[audit.pk])),
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            sent = [r for r in asked if r.emailed]
            messages.success(
                request, f"{len(sent)} councillor{'s' if len(sent) != 1 else ''} asked by e-mail to give their ratings."
            )
            missed = [r.councillor.get_full_name() or r.councillor.get_username() for r in asked if not r.emailed]
            if missed:
                messages.warning(
                    request,
                    f"No e-mail goes to {', '.join(missed)} (no address, or they turned these e-mails off): "
                    "tell them another way that the audit awaits their ratings.",
                )
            return redirect("perspectives:overview", pk=audit.pk)
    if request.method == "POST":
        messages.error(request, "Nobody was asked: the form needs attention (marked below).")
    return render(
        request,
        "perspectives/councillors.html",
        {"audit": audit, "form": form, "states": states, "is_open": audit.status != AuditStatus.APPROVED},
        status=400 if form.errors else 200,
    )


# -- Workshops ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def workshop_new(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit(request.user, pk, PerspectiveAction.INVITE)
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perspective = services.workshop_create(
                audit=audit,
                user=request.user,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                participants=form.cleaned_data["participants"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Workshop “{perspective.name}” added: now enter its results.")
            return redirect("perspectives:workshop", pk=audit.pk, perspective_id=perspective.pk)
    if request.method == "POST":
        messages.error(request, "The workshop was not added: the form needs attention (marked below).")
    return render(
        request, "perspectives/workshop_new.html", {"audit": audit, "form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def workshop(request: HttpRequest, pk: int, perspective_id: int) -> HttpResponse:
    # Officers and managers only: the raw counts of a small group are not for every reader.
    audit = get_audit(request.user, pk, PerspectiveAction.INVITE)
    perspective = selectors.workshop_of(audit, perspective_id)
    editable = audit.status != AuditStatus.APPROVED
    if request.method == "POST" and not editable:
        messages.error(request, "This audit is approved: its workshop results can no longer change.")
        return redirect("perspectives:workshop", pk=audit.pk, perspective_id=perspective.pk)
    questions = selectors.questions_of(audit)
    tallies = selectors.tallies_of(perspective)
    data = request.POST if request.method == "POST" else None
    header = WorkshopHeaderForm(data, initial={"name": perspective.name, "participants": perspective.respondents})
    forms = [TallyForm(data, question=q, tally=tallies.get(q.pk)) for q in questions]
    status = 200
    if request.method == "POST":
        if header.is_valid() and all(f.is_valid() for f in forms):
            try:
                services.workshop_save(
                    perspective=perspective,
                    user=request.user,
                    name=header.cleaned_data["name"],
                    participants=header.cleaned_data["participants"],
                    tallies={f.question: f.to_data() for f in forms},
                )
            except ValidationError as exc:
                by_code = {f.question.code: f for f in forms}
                for field, errors in getattr(exc, "error_dict", {}).items():
                    target = by_code.get(field)
                    (target or header).add_error(
                        None if target else (field if field in header.fields else None), errors
                    )
                if not hasattr(exc, "error_dict"):
                    header.add_error(None, exc)
            else:
                messages.success(request, f"Results of “{header.cleaned_data['name']}” saved.")
                return redirect("perspectives:overview", pk=audit.pk)
        messages.error(request, "Nothing was saved: some counts need attention (marked below). What you typed is kept.")
        status = 400
    return render(
        request,
        "perspectives/workshop.html",
        {
            "audit": audit,
            "perspective": perspective,
            "header": header,
            "groups": selectors.by_factor(forms),
            "editable": editable,
            "min_group": settings.PERSPECTIVE_MIN_GROUP,
        },
        status=status,
    )
