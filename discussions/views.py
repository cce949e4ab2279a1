"""The comment thread of one answer: read it, add to it, resolve it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from audits.forms import errors_onto
from audits.models import Answer, Question
from audits.permissions import Action, may

from . import services
from .forms import CommentForm
from .models import Thread
from .permissions import get_audit_to_discuss, may_write


def _question(audit, code: str) -> Question:
    try:
        return Question.objects.get(framework_id=audit.framework_id, code=code)
    except Question.DoesNotExist:
        raise Http404("No such question in this audit.") from None


def _back(request: HttpRequest, default: str) -> str:
    """Where to go after a post: the page the comment was written from, if it is ours."""
    back = request.POST.get("next", "")
    ours = url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back.startswith("/audits/")
    return back if ours and "\\" not in back else default


@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    audit = get_audit_to_discuss(request.user, pk)
    question = _question(audit, code)
    form = CommentForm(request.POST if request.method == "POST" else None, audit=audit, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_post(
                audit=audit,
                question=question,
                user=request.user,
                body=form.cleaned_data["body"],
                to=form.cleaned_data["to"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, f"Comment added on {question.code}.")
            return redirect(_back(request, request.path))
    found = Thread.objects.filter(audit=audit, question=question).prefetch_related("comments__author", "comments__to")
    answer = Answer.objects.filter(audit=audit, question=question).select_related("answered_by").first()
    context = {
        "audit": audit,
        "question": question,
        "answer": answer,
        "level": question.level_text(answer.rating) if answer else "",
        "thread": found.select_related("resolved_by").first(),
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "may_write": may_write(audit),
        "may_edit_answer": audit.is_editable and may(request.user, Action.EDIT, audit.council_id),
    }
    return render(request, "discussions/thread.html", context, status=200)


@require_POST
def resolve(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    audit = get_audit_to_discuss(request.user, pk)
    question = _question(audit, code)
    found = Thread.objects.filter(audit=audit, question=question).first()
    if found is None:
        raise Http404("There is no comment on this answer.")
    try:
        services.thread_resolve(thread=found, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The comments on {question.code} are resolved. A new comment opens them again.")
    return redirect(_back(request, found.get_absolute_url()))
