"""Audit pages. Each view: fetch through audits.permissions, validate a form, call one
service, redirect. What the pages show is assembled in audits.selectors."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST

from .. import csv_safety, extensions, fingerprints, question_bank, selectors, services
from ..council_profile import latest_approved_audits
from ..dashboard import build_dashboard, dashboard_csv_rows, dashboard_stamp
from ..factors import FACTOR_ORDER, FACTOR_QUESTIONS, FACTOR_RESPONSES, FACTOR_SLUGS, SLUG_FACTORS, Factor
from ..forms import (
    AnswerForm,
    AuditCreateForm,
    AuditListForm,
    CouncilSettingsForm,
    DashboardFilterForm,
    ReopenForm,
    StepForm,
)
from ..models import Audit, AuditStatus, BundleState, ReportBundle, Role
from ..permissions import (
    Action,
    audits_visible_to,
    councils_visible_to,
    get_audit_for_user,
    get_council_for_user,
    may,
    may_assign,
    may_delete_draft,
    roles_of,
)
from ..reports.data import build_audit_report, build_council_report
from ..reports.pdf import audit_report_pdf, council_report_pdf

PAGE_SIZE = 25
HISTORY_ON_DETAIL = 10
#: How many entries of the council's own history its settings page lists.
COUNCIL_EVENTS_SHOWN = 20
#: How long a person's "Needs your action" panel is kept at most (its "waiting 3 days" ages).
NEEDS_ACTION_SECONDS = 300


def audit_list(request: HttpRequest) -> HttpResponse:
    visible = audits_visible_to(request.user)
    roles = roles_of(request.user)
    councils = list(councils_visible_to(request.user))
    for council in councils:
        council.role_label = Role(roles[council.pk]).label
        council.may_start = may(request.user, Action.EDIT, council.pk)
    periods = functools.cache(lambda: list(visible.order_by("-period").values_list("period", flat=True).distinct()))
    form = AuditListForm(
        request.GET, councils=councils_visible_to(request.user), periods=periods, many_councils=len(councils) > 1
    )
    filters = form.filters()
    audits = selectors.filter_audits(visible, user=request.user, filters=filters)

    def page():
        chosen = Paginator(selectors.audit_list(audits), PAGE_SIZE).get_page(request.GET.get("page"))
        selectors.with_progress(chosen.object_list)
        return chosen

    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audits/list.html",
        {
            # Built only when the cached table is missing or out of date (see the template).
            "page": SimpleLazyObject(page),
            "form": form,
            "filtered": any(
                filters.get(name) for name in ("q", "status", "period", "council", "service", "mine", "assigned")
            ),
            "query": query.urlencode(),
            "stamp": selectors.audits_stamp(visible),
            "council_ids": ".".join(str(c.pk) for c in councils),
            "cache_seconds": settings.BENCHMARK_CACHE_SECONDS,
            "councils": councils,
            "one_council": len(councils) == 1,
            # Each factor's column, headed by its questions' prefix: CD, LT, ET, AT, RT.
            "factors": [
                ("".join(w[0] for w in Factor(f).label.split()).upper(), Factor(f).label) for f in FACTOR_ORDER
            ],
            "selects": [
                form[n]
                for n in ("status", "period", "council", "service", "sort")
                if n != "council" or len(councils) > 1
            ],
            # Built only when the person's cached panel is missing or out of date (see the template).
            "needs": SimpleLazyObject(lambda: selectors.needs_action(request.user)),
            "needs_panels": SimpleLazyObject(lambda: extensions.needs_action(request)),
            "needs_stamp": extensions.needs_action_stamps(request),
            "needs_seconds": NEEDS_ACTION_SECONDS,
        },
    )


@require_http_methods(["GET", "POST"])
def audit_create(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug, action=Action.EDIT)
    form = AuditCreateForm(request.POST if request.method == "POST" else None, council=council)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_create(
                user=request.user,
                council=council,
                service=form.cleaned_data["service"],
                period=form.cleaned_data["period"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Audit started: {audit.scope_label}, {audit.period}.")
            return redirect("audits:step", pk=audit.pk, factor=FACTOR_SLUGS[FACTOR_ORDER[0]])
    return render(request, "audits/create.html", {"council": council, "form": form})


def _detail_context(request: HttpRequest, audit, **extra) -> dict:
    user = request.user
    can_edit = may(user, Action.EDIT, audit.council_id) and audit.is_editable
    can_review = may(user, Action.REVIEW, audit.council_id) and audit.status == AuditStatus.SUBMITTED
    steps = selectors.factor_steps(audit)
    profile = selectors.audit_profile(audit)
    reopened_as = Audit.objects.filter(reopened_from=audit).first()
    can_reopen = (
        may(user, Action.REVIEW, audit.council_id) and audit.status == AuditStatus.APPROVED and reopened_as is None
    )
    history_total, history = selectors.audit_history(audit, limit=HISTORY_ON_DETAIL)
    answered, total = sum(s.answered for s in steps), sum(s.total for s in steps)
    may_act = may(user, Action.EDIT, audit.council_id)
    return {
        "audit": audit,
        # The next step to work on: the first factor with questions left (a draft's main button).
        "continue_step": next((s for s in steps if not s.complete), None) if can_edit else None,
        "answered_total": answered,
        "question_total": total,
        "all_answered": total > 0 and answered == total,
        "may_withdraw": may_act and audit.status == AuditStatus.SUBMITTED,
        "may_delete": audit.status == AuditStatus.DRAFT
        and may_delete_draft(user, audit)
        and services.is_deletable(audit),
        "may_assign": audit.is_editable and may_assign(user, audit.council_id),
        "assignments": list(audit.assignments.select_related("user")),
        "may_review_page": may(user, Action.REVIEW, audit.council_id),
        "reopened_as": reopened_as,
        "can_reopen": can_reopen,
        "reopen_form": ReopenForm() if can_reopen else None,
        "history": history,
        "history_total": history_total,
        "factor_rows": list(zip(steps, profile.factors, strict=True)),
        "profile": profile,
        "radar": profile.radar(audit.period),
        "can_edit": can_edit,
        "can_review": can_review,
        "panels": extensions.audit_panels(request, audit),
        "suggestions": [(item, extensions.suggestion_panels(request, audit, item)) for item in profile.suggestions],
        **extra,
    }


def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk)
    return render(request, "audits/detail.html", _detail_context(request, audit))


@require_http_methods(["GET", "POST"])
def audit_step(request: HttpRequest, pk: int, factor: str) -> HttpResponse:
    factor = _factor_or_404(factor)
    if request.method == "POST":
        return _step_post(request, get_audit_for_user(request.user, pk, action=Action.EDIT), factor)
    audit = get_audit_for_user(request.user, pk)
    editable = audit.is_editable and may(request.user, Action.EDIT, audit.council_id)

    def items():
        rows = selectors.step_rows(audit, factor, with_authors=not editable)
        return [(row, AnswerForm(question=row.question, answer=row.answer) if editable else None, None) for row in rows]

    # The questions are read (and their forms built) only when the page's cached copy of them,
    # kept per audit version, is missing: see "step-questions" in step.html.
    return _render_step(request, audit, factor, SimpleLazyObject(items), editable=editable, cacheable=editable)


def _step_post(request: HttpRequest, audit, factor: str) -> HttpResponse:
    """Save the step's answers, or show the page again with what the officer typed."""
    step_form, forms = _bound_step_forms(request, audit, factor)
    conflict, locked, status = None, False, 200
    if not audit.is_editable:
        # Submitted or approved while this officer was typing: keep their text on screen to copy.
        locked, status = True, 409
        messages.error(
            request,
            f"This audit was {audit.get_status_display().lower()} while you were editing: nothing was saved. "
            "Your text is still below so that you can copy it.",
        )
    elif step_form.is_valid() and all(f.is_valid() for f in forms):
        try:
            _save_touched(request, audit, step_form, forms)
        except services.EditConflictError as exc:
            conflict = exc
            forms = _forms_after_conflict(request, audit, factor, [f for f in forms if f.is_touched()])
            # The next save overwrites on purpose: the user has now seen the other version.
            step_form = StepForm(initial={"version": exc.current_version})
            messages.warning(
                request,
                "Some of these answers were saved elsewhere after you opened this page (by a colleague, "
                "or by you in another tab or on another device). Your text is kept below; compare, "
                "then save again to keep your version.",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was saved.")
        else:
            messages.success(request, f"{Factor(factor).label}: your answers are saved.")
            _note_copies_saved(request, audit, factor)
            return redirect(_next_url(audit, factor, request.POST.get("next")))
    else:
        messages.error(request, "Some answers need attention (marked below). Nothing was saved yet.")
    items = [
        (selectors.QuestionRow(f.question, f.answer), f, conflict.changed.get(f.question.pk) if conflict else None)
        for f in forms
    ]
    # Nothing was saved: autosave.js keeps these answers to save (a conflict's only once the
    # officer has compared and changed it, or presses Save).
    unsaved = [f.question.code for f in forms if f.is_bound and (not f.is_valid() or f.is_touched())]
    return _render_step(
        request,
        audit,
        factor,
        items,
        editable=True,
        locked=locked,
        conflict=conflict,
        step_form=step_form,
        status=status,
        unsaved=unsaved,
        conflicts=[f.question.code for f in forms if conflict and f.question.pk in conflict.changed],
    )


def _copies_key(audit, factor: str) -> str:
    return f"step-saved-upto:{audit.pk}:{factor}"


def _note_copies_saved(request: HttpRequest, audit, factor: str) -> None:
    """The browser's copies of this step written before the Save (``copies_upto``, its clock in
    ms) are saved now: the step page tells autosave.js to forget them (data-saved-upto)."""
    upto = request.POST.get("copies_upto", "")
    if upto.isascii() and upto.isdigit() and len(upto) <= 15:
        request.session[_copies_key(audit, factor)] = int(upto)


def _render_step(
    request,
    audit,
    factor,
    items,
    *,
    editable,
    cacheable=False,
    locked=False,
    conflict=None,
    step_form=None,
    status=200,
    unsaved=(),
    conflicts=(),
) -> HttpResponse:
    return render(
        request,
        "audits/step.html",
        {
            # Other apps' notes on the questions; the cached questions are kept per their stamps too.
            "notes": SimpleLazyObject(lambda: extensions.question_notes(audit, factor)),
            "notes_stamp": extensions.question_notes_stamps(request, audit),
            "audit": audit,
            "factor": factor,
            "factor_slug": FACTOR_SLUGS[factor],
            "factor_label": Factor(factor).label,
            # Progress changes only with a new audit version: the navigation is cached per version.
            "steps": SimpleLazyObject(lambda: selectors.factor_steps(audit)),
            "items": items,
            "cacheable": cacheable,
            "editable": editable,
            "locked": locked,
            "step_form": step_form or StepForm(initial={"version": audit.version}),
            "conflict": conflict,
            "unsaved": " ".join(unsaved),
            "saved_upto": request.session.get(_copies_key(audit, factor), 0) if editable else 0,
            "conflicts": " ".join(conflicts),
            "next_factor": _neighbour(factor, +1),
            "previous_factor": _neighbour(factor, -1),
        },
        status=status,
    )


def _factor_or_404(slug: str) -> str:
    if slug not in SLUG_FACTORS:
        raise Http404("No such factor.")
    return SLUG_FACTORS[slug]


def _bound_step_forms(
    request: HttpRequest, audit, factor: str, *, carried_only: bool = False
) -> tuple[StepForm, list[AnswerForm]]:
    """The posted step: its version and one form per question (answers are not read for this),
    or, with ``carried_only``, per question the request carries a field of (an autosave)."""
    questions = question_bank.factor_questions(audit.framework_id, factor)
    if carried_only:
        prefixes = {name.partition("-")[0] for name in request.POST if "-" in name}
        questions = [q for q in questions if q.code in prefixes]
    return StepForm(request.POST), [AnswerForm(request.POST, question=q) for q in questions]


def _save_touched(request: HttpRequest, audit, step_form: StepForm, forms: list[AnswerForm]) -> dict[str, str]:
    """Save the answers the officer changed (valid forms), against the audit version their page
    loaded; answers the request does not carry stay as they are. Returns the digest of each
    saved answer as it now is, by question code, for the page to measure its next save against."""
    touched = [f for f in forms if f.is_touched()]
    saved = services.answers_save(
        audit=audit,
        user=request.user,
        answers=[f.to_data() for f in touched],
        expected_version=step_form.cleaned_data["version"],
    )
    return {
        f.question.code: fingerprints.fingerprint(services.answer_values(saved.answers.get(f.question.pk)))
        for f in touched
    }


@require_POST
def audit_autosave(request: HttpRequest, pk: int, factor: str) -> JsonResponse:
    """Save what the officer typed so far on one step; answers in JSON for static/js/autosave.js.

    Same rules as saving the step (validation, conflicts with colleagues, locked audits); on
    any refusal nothing is saved and the text stays in the officer's browser.
    """
    factor = _factor_or_404(factor)
    audit = get_audit_for_user(request.user, pk, action=Action.EDIT, related=())
    if not audit.is_editable:
        return JsonResponse(
            {
                "saved": False,
                "message": f"This audit was {audit.get_status_display().lower()} meanwhile: nothing more is saved. "
                "Your text stays on this page so that you can copy it.",
            },
            status=409,
        )
    step_form, forms = _bound_step_forms(request, audit, factor, carried_only=True)
    if not step_form.is_valid() or not all(f.is_valid() for f in forms):
        codes = [f.question.code for f in forms if f.errors] or ["the page"]
        reasons = [f"{f.question.code}: {next(iter(f.errors.values()))[0]}" for f in forms if f.errors]
        if step_form.errors:
            reasons.append("The page's audit version is missing or not valid: reload the page.")
        return JsonResponse(
            {
                "saved": False,
                "invalid": codes,
                "message": f"Not saved: {', '.join(codes)} need attention. " + " ".join(reasons),
            },
            status=400,
        )
    try:
        saved = _save_touched(request, audit, step_form, forms)
    except services.EditConflictError as exc:
        codes = [f.question.code for f in forms if f.question.pk in exc.changed]
        return JsonResponse(
            {
                "saved": False,
                "conflict": codes,
                "message": f"Not saved: {', '.join(codes)} changed elsewhere meanwhile (a colleague, or you in "
                "another tab). "
                "Press “Save draft” to see their version beside yours.",
            },
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse({"saved": False, "message": " ".join(exc.messages) + " Nothing was saved."}, status=400)
    saved_at = timezone.localtime()
    return JsonResponse(
        {
            "saved": True,
            "at": saved_at.isoformat(),
            "message": f"All changes saved at {saved_at:%H:%M}.",
            # The page now holds these answers as saved: its next saves are measured against them.
            "version": audit.version,
            "loaded": saved,
        }
    )


def _forms_after_conflict(request: HttpRequest, audit, factor: str, touched: list[AnswerForm]) -> list[AnswerForm]:
    """Answers the user changed keep their text, now measured against what is saved; the others
    show what is saved now, so that saving again never reverts a colleague's answer."""
    touched_codes = {f.question.code for f in touched}
    data = request.POST.copy()
    forms = []
    for row in selectors.step_rows(audit, factor):
        if row.question.code in touched_codes:
            data[f"{row.question.code}-loaded"] = fingerprints.fingerprint(services.answer_values(row.answer))
            forms.append(AnswerForm(data, question=row.question, answer=row.answer))
        else:
            forms.append(AnswerForm(question=row.question, answer=row.answer))
    return forms


def _neighbour(factor: str, offset: int) -> dict | None:
    index = FACTOR_ORDER.index(factor) + offset
    if 0 <= index < len(FACTOR_ORDER):
        other = FACTOR_ORDER[index]
        return {"slug": FACTOR_SLUGS[other], "label": Factor(other).label}
    return None


def _next_url(audit, factor: str, choice: str | None) -> str:
    if choice == "next":
        following = _neighbour(factor, +1)
        if following:
            return reverse("audits:step", args=[audit.pk, following["slug"]])
        return audit.get_absolute_url()
    return reverse("audits:step", args=[audit.pk, FACTOR_SLUGS[factor]])


def audit_history(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk)
    total, rows = selectors.audit_history(audit)
    return render(request, "audits/history.html", {"audit": audit, "history": rows, "history_total": total})


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def audit_report(request: HttpRequest, pk: int) -> HttpResponse:
    audit = get_audit_for_user(request.user, pk)
    report = build_audit_report(audit)
    return _pdf_response(audit_report_pdf(report), report.filename)


def council_report(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug)
    report = build_council_report(council)
    return _pdf_response(council_report_pdf(report), report.filename)


def dashboard_picker(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's council, or a choice when they belong to several."""
    councils = list(councils_visible_to(request.user))
    if len(councils) == 1:
        return redirect("audits:dashboard", council_slug=councils[0].slug)
    return render(request, "audits/dashboard_picker.html", {"councils": councils})


def _dashboard(request: HttpRequest, council_slug: str, council=None):
    council = council or get_council_for_user(request.user, council_slug)
    form = DashboardFilterForm(request.GET or None, council=council)
    period, service = "", None
    if form.is_bound and form.is_valid():
        period, service = form.cleaned_data["period"], form.cleaned_data["service"]
    return form, build_dashboard(council, period=period, service=service)


def dashboard(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug)
    built = functools.cache(lambda: _dashboard(request, council_slug, council))
    context = {
        "council": council,
        # Built only when the page's cached body is missing or out of date (see the template).
        "form": SimpleLazyObject(lambda: built()[0]),
        "d": SimpleLazyObject(lambda: built()[1]),
        "stamp": dashboard_stamp(council),
        "cache_seconds": settings.BENCHMARK_CACHE_SECONDS,
        "may_manage": may(request.user, Action.MANAGE, council.pk),
    }
    return render(request, "audits/dashboard.html", context)


def dashboard_csv(request: HttpRequest, council_slug: str) -> HttpResponse:
    _, data = _dashboard(request, council_slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"clear-dashboard-{data.council.slug}-{data.period.replace('/', '-') or 'all'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read the accents right
    csv_safety.write_rows(response, dashboard_csv_rows(data))
    return response


@require_http_methods(["GET", "POST"])
def council_settings(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug, action=Action.MANAGE)
    form = CouncilSettingsForm(
        request.POST if request.method == "POST" else None, initial={"benchmark_opt_in": council.benchmark_opt_in}
    )
    if request.method == "POST" and form.is_valid():
        services.council_set_benchmark(council=council, user=request.user, opt_in=form.cleaned_data["benchmark_opt_in"])
        messages.success(request, "Settings saved.")
        return redirect("audits:dashboard", council_slug=council.slug)
    events = council.events.select_related("user")[:COUNCIL_EVENTS_SHOWN]
    return render(request, "audits/council_settings.html", {"council": council, "form": form, "events": events})


def about(request: HttpRequest) -> HttpResponse:
    """What CLEAR is: the five factors and their responses. No queries (the bench's baseline)."""
    rows = [(Factor(f).label, FACTOR_QUESTIONS[f], FACTOR_RESPONSES[f]) for f in FACTOR_ORDER]
    return render(request, "about.html", {"rows": rows})


def method(request: HttpRequest) -> HttpResponse:
    """The scoring method, exactly as every report prints it (docs/scoring.md). No queries."""
    from ..reports.data import method_html

    return render(request, "method.html", {"method": method_html()})


BUNDLES_SHOWN = 5


@require_http_methods(["GET", "POST"])
def council_reports(request: HttpRequest, council_slug: str) -> HttpResponse:
    council = get_council_for_user(request.user, council_slug)
    if request.method == "POST":
        bundle, created = services.report_bundle_request(council=council, user=request.user)
        if not created:
            who = bundle.requested_by.get_full_name() or bundle.requested_by.get_username()
            when = date_format(timezone.localtime(bundle.requested_at), "j M Y, H:i")
            messages.info(
                request,
                f"These reports are already being prepared (asked for by {who} on {when}), so no new "
                "rendering was started: here is how far it has got.",
            )
        return redirect("audits:report-bundle", council_slug=council.slug, bundle_id=bundle.pk)
    bundles = ReportBundle.objects.filter(council=council).defer("content")[:BUNDLES_SHOWN]
    context = {
        "council": council,
        # Read only when the cached list is missing or out of date (see the template).
        "audits": SimpleLazyObject(lambda: latest_approved_audits(council)),
        "stamp": selectors.audits_stamp(Audit.objects.filter(council=council)),
        "cache_seconds": settings.BENCHMARK_CACHE_SECONDS,
        "bundles": bundles,
    }
    return render(request, "audits/council_reports.html", context)


def _bundle(request: HttpRequest, council_slug: str, bundle_id: int) -> ReportBundle:
    council = get_council_for_user(request.user, council_slug)
    bundle = (
        ReportBundle.objects.filter(council=council, pk=bundle_id).defer("content").select_related("council").first()
    )
    if bundle is None:
        raise Http404("No such report bundle.")
    if not bundle.is_finished:
        # Its worker may have stopped: then the page says so (and a new request is allowed).
        for lost in services.report_bundles_give_up_lost(pk=bundle.pk):
            bundle.state, bundle.finished_at, bundle.error = lost.state, lost.finished_at, lost.error
    return bundle


def report_bundle(request: HttpRequest, council_slug: str, bundle_id: int) -> HttpResponse:
    bundle = _bundle(request, council_slug, bundle_id)
    return render(request, "audits/report_bundle.html", {"council": bundle.council, "bundle": bundle})


def report_bundle_progress(request: HttpRequest, council_slug: str, bundle_id: int) -> JsonResponse:
    """For static/js/progress.js: how far the rendering has got."""
    bundle = _bundle(request, council_slug, bundle_id)
    return JsonResponse(
        {
            "state": bundle.state,
            "done": bundle.done,
            "total": bundle.total,
            "percent": bundle.percent,
            "finished": bundle.is_finished,
            "problem": bundle.problem(),
        }
    )


def report_bundle_download(request: HttpRequest, council_slug: str, bundle_id: int) -> HttpResponse:
    bundle = _bundle(request, council_slug, bundle_id)
    if bundle.state != BundleState.DONE:
        raise Http404("These reports are not ready.")
    content = ReportBundle.objects.values_list("content", flat=True).get(pk=bundle.pk)
    response = HttpResponse(bytes(content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
    return response
