"""The audit's workflow: submit, withdraw, review (approve or return), reopen, delete a draft,
and who leads it. Each view fetches the audit through audits.permissions and calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST

from .. import extensions, selectors, services
from ..forms import LeadForm, ReopenForm, ReviewForm
from ..models import AuditStatus
from ..permissions import Action, get_audit_for_user, may_assign, may_delete_draft
from .pages import _detail_context


@require_POST
def audit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk, action=Action.EDIT)
    if selectors.unchanged_since_return(audit) and request.POST.get("confirm") != "unchanged":
        # Sending back what the manager returned, unchanged, is usually a slip: ask first.
        return render(request, "audits/detail.html", _detail_context(request, audit, confirm_unchanged=True))
    try:
        services.audit_submit(audit=audit, user=request.user)
    except services.IncompleteAuditError as exc:
        messages.error(request, "The audit cannot be submitted yet: " + exc.messages[0])
        return render(request, "audits/detail.html", _detail_context(request, audit, missing=exc.missing))
    except services.AuditStateError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Audit submitted. The council's managers are told by e-mail and can now review it.")
    return redirect(audit)


@require_POST
def audit_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk, action=Action.EDIT)
    try:
        services.audit_withdraw(audit=audit, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages) + " Nothing was changed.")
    else:
        messages.success(request, "Audit withdrawn: it is a draft again, with its answers, until you submit it again.")
    return redirect(audit)


def _review_context(request: HttpRequest, audit, form: ReviewForm | None = None) -> dict:
    can_decide = audit.status == AuditStatus.SUBMITTED
    return {
        "audit": audit,
        # The answers are read only when the cached body is missing or out of date (see the
        # template): it is kept per audit version and per stamp of the notes beside them.
        "body": SimpleLazyObject(lambda: selectors.review_body(audit)),
        "notes_stamp": extensions.review_notes_stamps(request, audit),
        "can_decide": can_decide,
        "review_form": form or (ReviewForm(initial={"version": audit.version}) if can_decide else None),
        "approval_blockers": extensions.approval_blockers(audit) if can_decide else [],
        "review_panels": extensions.review_panels(request, audit),
        "notes": SimpleLazyObject(lambda: extensions.review_notes(request, audit)),
    }


@require_http_methods(["GET", "POST"])
def audit_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager's review: every answer on one page, what changed since the last review
    marked, and Approve or Return at the bottom."""
    audit = get_audit_for_user(request.user, pk, action=Action.REVIEW, related=("council", "service"))
    if request.method == "GET":
        return render(request, "audits/review.html", _review_context(request, audit))
    form = ReviewForm(request.POST)
    if form.is_valid():
        version = form.cleaned_data["version"]
        try:
            if form.cleaned_data["decision"] == ReviewForm.APPROVE:
                services.audit_approve(audit=audit, user=request.user, expected_version=version)
                messages.success(request, "Audit approved. It is now read-only; the officers are told by e-mail.")
            else:
                services.audit_return(
                    audit=audit, user=request.user, comment=form.cleaned_data["comment"], expected_version=version
                )
                messages.success(request, "Audit returned to the officers with your comment; they are told by e-mail.")
            return redirect(audit)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was changed.")
    else:
        messages.error(request, "The review needs attention (marked below). Nothing was changed.")
    audit.refresh_from_db()
    # Keep the manager's comment on screen, measured against the audit as it is now.
    data = request.POST.copy()
    data["version"] = audit.version
    context = _review_context(request, audit, ReviewForm(data))
    context["can_decide"] = context["can_decide"] or bool(request.POST.get("comment"))
    return render(request, "audits/review.html", context, status=409 if form.is_valid() else 200)


@require_POST
def audit_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk, action=Action.REVIEW)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            new = services.audit_reopen(audit=audit, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was changed.")
            return redirect(audit)
        messages.success(
            request,
            f"Revision {new.revision} started as a draft. The approved revision {audit.revision} stays as it was.",
        )
        return redirect(new)
    messages.error(request, "The audit was not reopened: say why (marked below).")
    context = _detail_context(request, audit)
    if context["can_reopen"]:
        context["reopen_form"] = form
    return render(request, "audits/detail.html", context)


@require_http_methods(["GET", "POST"])
def audit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft never submitted, after a confirmation that says what goes with it."""
    audit = get_audit_for_user(request.user, pk)
    if not may_delete_draft(request.user, audit):
        raise PermissionDenied("Only the officer who started this draft, or a manager, can delete it.")
    if not services.is_deletable(audit):
        messages.error(request, "Only a draft that was never submitted can be deleted; this one has a history to keep.")
        return redirect(audit)
    if request.method == "POST" and request.POST.get("confirm") == "delete":
        try:
            services.audit_delete(audit=audit, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was deleted.")
            return redirect(audit)
        messages.success(
            request,
            f"Draft deleted: {audit.scope_label}, {audit.period}. The council's history keeps a note of it.",
        )
        return redirect("audits:list")
    answered = audit.answers.exclude(rating=None, dont_know=False).count()
    return render(request, "audits/delete.html", {"audit": audit, "answered": answered})


@require_http_methods(["GET", "POST"])
def audit_team(request: HttpRequest, pk: int) -> HttpResponse:
    """Who leads the audit, and which colleague answers which factor."""
    audit = get_audit_for_user(request.user, pk)
    if not may_assign(request.user, audit.council_id):
        raise PermissionDenied("Only officers and managers give an audit its lead and its factors.")
    if not audit.is_editable:
        messages.error(request, f"This audit is {audit.get_status_display().lower()}: who does what on it is settled.")
        return redirect(audit)
    form = LeadForm(request.POST if request.method == "POST" else None, audit=audit)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_set_lead(
                audit=audit, user=request.user, lead=form.cleaned_data["lead"], assignments=form.assignments()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Who does what on this audit is saved.")
            return redirect(audit)
    return render(request, "audits/team.html", {"audit": audit, "form": form})
