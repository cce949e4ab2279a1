"""Action-plan pages. Every page fetches its council, audit or action through the permission
functions (another council's is a 404); writes go through ``actions.services``."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audits import csv_safety, question_bank
from audits.factors import FACTOR_SLUGS, SLUG_FACTORS
from audits.forms import errors_onto
from audits.permissions import get_audit_for_user, get_council_for_user
from audits.selectors import audit_profile

from . import selectors, services
from .forms import ActionForm, NoteForm, PlanFilterForm, StatusForm
from .permissions import get_action, may_plan

#: A new action is due this long after it starts, unless the planner says otherwise.
DEFAULT_LENGTH = timedelta(days=90)


def _target(reasons) -> str:
    """e.g. "RT3 from 1 to 2, RT4 from 2 to 3 at the next audit"."""
    steps = [f"{a.code} from {a.rating} to {a.rating + 1}" for a in reasons if a.rating and a.rating < 4]
    return f"{', '.join(steps)} at the next audit" if steps else ""


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk)
    if not may_plan(request.user, audit.council_id):
        raise PermissionDenied("Your role does not allow you to plan actions here.")
    if audit.status not in services.PLANNABLE_AUDITS:
        messages.error(request, "Actions are planned from an audit submitted for review or approved: submit it first.")
        return redirect(audit)
    suggestions = {s.suggestion.factor: s for s in audit_profile(audit).suggestions}
    factor = SLUG_FACTORS.get(request.GET.get("response", ""))
    item = suggestions.get(factor)
    if item is None:
        if "response" in request.GET:
            messages.error(request, "That is not one of this audit's suggested responses: choose one below.")
        return render(request, "actions/choose_response.html", {"audit": audit, "suggestions": suggestions.values()})
    form = ActionForm(request.POST or None, audit=audit, factor=factor, initial=_initial(request, audit, item))
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(audit=audit, user=request.user, factor=factor, data=form.to_data())
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Action planned: {action.title}.")
            if request.POST.get("next") == "another":
                return redirect(f"{request.path}?response={FACTOR_SLUGS[factor]}")
            return redirect(audit.get_absolute_url() + "#action-plan")
    if request.method == "POST":
        messages.error(request, "The action was not saved: the form needs attention (marked below).")
    return render(
        request,
        "actions/new.html",
        {"audit": audit, "item": item, "form": form},
        status=400 if form.errors else 200,
    )


def _initial(request: HttpRequest, audit, item) -> dict:
    today = timezone.localdate()
    # The intervention aimed at the most barriers, with the weak questions it answers; else
    # every weak question of the response.
    aimed = item.aimed[0].intervention if item.aimed else None
    targets = item.aimed[0].targets if item.aimed else item.suggestion.reasons
    weak = {a.code for a in targets}
    return {
        "title": aimed.title if aimed else "",
        "intervention": aimed.pk if aimed else None,
        "questions": [
            q.pk for q in question_bank.factor_questions(audit.framework_id, item.suggestion.factor) if q.code in weak
        ],
        "owner": request.user.pk,
        "start": today,
        "due": today + DEFAULT_LENGTH,
        "target": _target(targets),
    }


#: Actions per page of the plan and of My actions (the CSV has them all).
PAGE_SIZE = 25


def _page(request: HttpRequest, actions):
    """One page of the actions, with what the table shows of them."""
    page = Paginator(selectors.for_table(actions), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_codes(list(page.object_list))
    return page


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def plan(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug)
    form = PlanFilterForm(request.GET or None, council=council)
    service_id, status = form.scope_and_status()
    return render(
        request,
        "actions/plan.html",
        {
            "council": council,
            "form": form,
            "page": _page(request, selectors.council_actions(council, service_id=service_id, status=status)),
            "summary": selectors.plan_summary(council, list_overdue=False),
            "today": timezone.localdate(),
            "query": _query_without_page(request),
        },
    )


CSV_HEADER = [
    "scope",
    "factor",
    "title",
    "intervention",
    "questions",
    "owner",
    "start",
    "due",
    "status",
    "overdue",
    "target",
    "budget note",
    "dropped because",
    "trial",
    "hypothesis",
    "judged by",
    "comparison",
    "outcome",
    "decision",
    "planned from",
]


def plan_csv(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug)
    form = PlanFilterForm(request.GET or None, council=council)
    service_id, status = form.scope_and_status()
    today = timezone.localdate()
    rows = [CSV_HEADER]
    for a in selectors.listed(selectors.council_actions(council, service_id=service_id, status=status)):
        rows.append(
            [
                a.scope_label,
                a.get_factor_display(),
                a.title,
                a.intervention_label,
                " ".join(a.codes),
                a.owner_label,
                a.start.isoformat(),
                a.due.isoformat(),
                a.get_status_display(),
                "yes" if a.is_overdue(today) else "",
                a.target,
                a.budget_note,
                a.dropped_reason,
                "yes" if a.is_trial else "",
                a.hypothesis,
                a.judged_by,
                a.get_comparison_display() if a.is_trial else "",
                a.outcome,
                a.get_decision_display() if a.decision else "",
                f"{a.audit.scope_label} {a.audit.period}",
            ]
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="clear-action-plan-{council.slug}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the accents right
    csv_safety.write_rows(response, rows)
    return response


def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "actions/mine.html",
        {
            "page": _page(request, selectors.my_actions(request.user)),
            "today": timezone.localdate(),
            "query": "",
            "remind_days": services.REMIND_DAYS,
        },
    )


def detail(
    request: HttpRequest,
    action_id: int,
    *,
    action=None,
    status_form: StatusForm | None = None,
    note_form: NoteForm | None = None,
    http_status: int = 200,
) -> HttpResponse:
    action = action or get_action(request.user, action_id)
    can = may_plan(request.user, action.council_id)
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "questions": list(action.questions.all()),
            "notes": list(action.notes.select_related("author")),
            "history": selectors.action_history(action),
            "may_plan": can,
            "status_form": (status_form or StatusForm(initial=_status_initial(action), action=action)) if can else None,
            "note_form": (note_form or NoteForm()) if can else None,
            "today": timezone.localdate(),
        },
        status=http_status,
    )


_CONFLICT = (
    "Someone changed this action after you opened the page, so nothing was saved. Your version is "
    "still in the form: check the action's history below or on its page, then save again to keep yours."
)


def _with_version(request: HttpRequest, action):
    """The posted form, set to overwrite the action's version now stored."""
    data = request.POST.copy()
    data["version"] = str(action.version)
    return data


def _status_initial(action) -> dict:
    return {
        "status": action.status,
        "dropped_reason": action.dropped_reason,
        "outcome": action.outcome,
        "decision": action.decision,
        "version": action.version,
    }


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_action(request.user, action_id, change=True)
    audit = action.audit
    form = ActionForm(
        request.POST or None, audit=audit, factor=action.factor, action=action, initial=ActionForm.initial_for(action)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(
                action=action,
                user=request.user,
                data=form.to_data(),
                expected_version=form.cleaned_data["version"] or 0,
            )
        except services.ActionConflictError:
            # What they typed stays on the page, over the newer version: saving again keeps theirs.
            action = get_action(request.user, action_id, change=True)
            form = ActionForm(
                _with_version(request, action),
                audit=audit,
                factor=action.factor,
                action=action,
                initial=ActionForm.initial_for(action),
            )
            form.is_valid()
            messages.error(request, _CONFLICT)
            return render(request, "actions/edit.html", {"action": action, "form": form}, status=409)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, "Action saved.")
            return redirect(action)
    if request.method == "POST":
        messages.error(request, "The action was not saved: the form needs attention (marked below).")
    return render(request, "actions/edit.html", {"action": action, "form": form}, status=400 if form.errors else 200)


@require_POST
def status(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_action(request.user, action_id, change=True)
    form = StatusForm(request.POST, action=action)
    if form.is_valid():
        try:
            action = services.action_set_status(
                action=action, user=request.user, data=form.to_data(), expected_version=form.cleaned_data["version"]
            )
        except services.ActionConflictError:
            action = get_action(request.user, action_id, change=True)
            form = StatusForm(_with_version(request, action), action=action)
            form.is_valid()
            messages.error(request, _CONFLICT)
            return detail(request, action_id, action=action, status_form=form, http_status=409)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Status: {action.get_status_display().lower()}.")
            return redirect(action)
    messages.error(request, "The status was not changed: the form needs attention (marked below).")
    return detail(request, action_id, action=action, status_form=form, http_status=400)


@require_POST
def note(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_action(request.user, action_id, change=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(
                action=action, user=request.user, on=form.cleaned_data["on"], text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, "Progress note added.")
            return redirect(action)
    messages.error(request, "The note was not added: the form needs attention (marked below).")
    return detail(request, action_id, action=action, note_form=form, http_status=400)
