"""Where the apps beside ``audits`` add to an audit's page, its PDF report, its approval and
the council's dashboard, without ``audits`` importing them (arrows point one way: see
../shared/style.md, "Growing the app").

An app registers its hooks once, from its ``AppConfig.ready()``::

    extensions.register(approval_check=..., audit_panel=..., report_section=..., ...)

Each hook is called with the objects the page already has and returns a ``Panel`` (a template
and its context) or nothing. ``audits`` renders panels where they belong; what they hold is the
other app's business. The hooks run in the order the apps are installed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    """A piece of another app's content: rendered with ``{% include panel.template %}``, its
    context under the name ``panel`` (so ``panel.data.…`` in the template)."""

    template: str
    data: Any = None
    title: str = ""  # a report section's heading, listed in the report's contents
    anchor: str = ""  # the id of that heading
    #: A dashboard panel's numbers as rows of the dashboard's CSV, in its six columns (section,
    #: scope, period, factor, score, detail): made with the panel, so the CSV reads them once.
    csv_rows: tuple = ()


@dataclass
class _Hooks:
    approval_checks: list[Callable] = field(default_factory=list)
    audit_panels: list[Callable] = field(default_factory=list)
    review_panels: list[Callable] = field(default_factory=list)
    report_sections: list[Callable] = field(default_factory=list)
    dashboard_panels: list[Callable] = field(default_factory=list)
    suggestion_panels: list[Callable] = field(default_factory=list)
    question_notes: list[Callable] = field(default_factory=list)
    dashboard_stamps: list[Callable] = field(default_factory=list)
    replace_checks: list[Callable] = field(default_factory=list)
    status_listeners: list[Callable] = field(default_factory=list)
    review_notes: list[Callable] = field(default_factory=list)
    needs_action: list[Callable] = field(default_factory=list)
    needs_action_stamps: list[Callable] = field(default_factory=list)
    question_notes_stamps: list[Callable] = field(default_factory=list)
    review_notes_stamps: list[Callable] = field(default_factory=list)


_hooks = _Hooks()


def register(
    *,
    approval_check: Callable | None = None,
    audit_panel: Callable | None = None,
    review_panel: Callable | None = None,
    report_section: Callable | None = None,
    dashboard_panel: Callable | None = None,
    suggestion_panel: Callable | None = None,
    question_notes: Callable | None = None,
    dashboard_stamp: Callable | None = None,
    replace_check: Callable | None = None,
    status_listener: Callable | None = None,
    review_notes: Callable | None = None,
    needs_action: Callable | None = None,
    needs_action_stamp: Callable | None = None,
    question_notes_stamp: Callable | None = None,
    review_notes_stamp: Callable | None = None,
) -> None:
    """Add an app's hooks (each optional):

    - ``approval_check(audit) -> list[str]``: why the audit cannot be approved yet, one
      sentence each; an empty list lets it through. Called inside the approval's transaction,
      with the audit's row locked.
    - ``audit_panel(request, audit) -> Panel | None``: a section of the audit's page, shown
      after its profile.
    - ``review_panel(request, audit) -> Panel | None``: a section of the manager's review page,
      before the decision.
    - ``report_section(audit) -> Panel | None``: a section of the audit's PDF report, before
      the per-factor detail.
    - ``dashboard_panel(council, audits) -> Panel | None``: a section of the council's dashboard,
      given the approved audits the dashboard counts; its ``csv_rows`` go into the CSV.
    - ``suggestion_panel(request, audit, item) -> Panel | None``: shown inside one suggested
      response of the audit's page (``item`` is an ``interventions.SuggestedResponse``).
    - ``question_notes(audit, factor) -> dict[str, Panel]``: notes shown with the factor's
      questions on its step page, by question code. Called on every view of the step.
    - ``dashboard_stamp(council) -> str``: changes whenever the app's dashboard panel may have
      changed for other reasons than the council's audits (the dashboard's HTML is cached by
      its stamp). Called on every view of the dashboard: keep it to one small query.
    - ``replace_check(council) -> list[str]``: why an import may not delete the council's
      audits to replace them (``import_audits --replace``), one sentence each: what the app
      keeps of those audits that the file does not carry.
    - ``status_listener(audit, kind, user, **detail)``: told of each step of the workflow
      (``kind`` is an ``EventKind`` value: submitted, returned, approved, reopened, withdrawn),
      inside the transaction that makes it, after the audit's row is saved; ``detail`` holds
      the step's words (``comment``, ``reason``). Work that must wait for the commit (an
      e-mail) uses ``transaction.on_commit``.
    - ``review_notes(request, audit) -> dict[str, Panel]``: notes shown with each question on
      the manager's review page, by question code (every factor at once).
    - ``needs_action(request) -> Panel | None``: what waits for the signed-in person, shown in
      the "Needs your action" panel at the top of the audit list.
    - ``needs_action_stamp(request) -> str``: changes whenever the app's part of that panel may
      have changed (the panel is cached per person by the stamps). One small query.
    - ``question_notes_stamp(request, audit) -> str`` and ``review_notes_stamp(request, audit)
      -> str``: change whenever the app's question notes (or review notes) on the audit may have
      changed, for this person. The step and review pages keep their questions cached by them
      and read the notes only to rebuild them. One small query.
    """
    # The step and review pages cache their questions by the notes' stamps: notes without a
    # stamp would stay out of date on them.
    if question_notes is not None and question_notes_stamp is None:
        raise ValueError("question_notes needs its question_notes_stamp (the step page is cached by it)")
    if review_notes is not None and review_notes_stamp is None:
        raise ValueError("review_notes needs its review_notes_stamp (the review page is cached by it)")
    for name, hook in (
        ("approval_checks", approval_check),
        ("audit_panels", audit_panel),
        ("review_panels", review_panel),
        ("report_sections", report_section),
        ("dashboard_panels", dashboard_panel),
        ("suggestion_panels", suggestion_panel),
        ("question_notes", question_notes),
        ("dashboard_stamps", dashboard_stamp),
        ("replace_checks", replace_check),
        ("status_listeners", status_listener),
        ("review_notes", review_notes),
        ("needs_action", needs_action),
        ("needs_action_stamps", needs_action_stamp),
        ("question_notes_stamps", question_notes_stamp),
        ("review_notes_stamps", review_notes_stamp),
    ):
        hooks = getattr(_hooks, name)
        if hook is not None and hook not in hooks:
            hooks.append(hook)


def approval_blockers(audit) -> list[str]:
    return [reason for check in _hooks.approval_checks for reason in check(audit)]


def audit_panels(request, audit) -> list[Panel]:
    return [panel for hook in _hooks.audit_panels if (panel := hook(request, audit)) is not None]


def review_panels(request, audit) -> list[Panel]:
    return [panel for hook in _hooks.review_panels if (panel := hook(request, audit)) is not None]


def report_sections(audit) -> list[Panel]:
    return [panel for hook in _hooks.report_sections if (panel := hook(audit)) is not None]


def dashboard_panels(council, audits) -> list[Panel]:
    return [panel for hook in _hooks.dashboard_panels if (panel := hook(council, audits)) is not None]


def suggestion_panels(request, audit, item) -> list[Panel]:
    return [panel for hook in _hooks.suggestion_panels if (panel := hook(request, audit, item)) is not None]


def question_notes(audit, factor: str) -> dict[str, list[Panel]]:
    """{question code: the panels shown with it}."""
    notes: dict[str, list[Panel]] = {}
    for hook in _hooks.question_notes:
        for code, panel in hook(audit, factor).items():
            notes.setdefault(code, []).append(panel)
    return notes


def dashboard_stamps(council) -> str:
    return ".".join(hook(council) for hook in _hooks.dashboard_stamps)


def replace_blockers(council) -> list[str]:
    return [reason for check in _hooks.replace_checks for reason in check(council)]


_muted: ContextVar[bool] = ContextVar("clearaudit_listeners_muted", default=False)


@contextmanager
def listeners_muted():
    """Tell no listener of the workflow's steps in this block: for data loaded in bulk (the
    demo's, the benchmark's), whose years of made-up submissions and approvals must not each
    send an e-mail."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def status_changed(audit, kind: str, user, **detail) -> None:
    if _muted.get():
        return
    for listener in _hooks.status_listeners:
        listener(audit, kind, user, **detail)


def review_notes(request, audit) -> dict[str, list[Panel]]:
    """{question code: the panels shown with it on the review page}."""
    notes: dict[str, list[Panel]] = {}
    for hook in _hooks.review_notes:
        for code, panel in hook(request, audit).items():
            notes.setdefault(code, []).append(panel)
    return notes


def needs_action(request) -> list[Panel]:
    return [panel for hook in _hooks.needs_action if (panel := hook(request)) is not None]


def needs_action_stamps(request) -> str:
    return ".".join(hook(request) for hook in _hooks.needs_action_stamps)


def question_notes_stamps(request, audit) -> str:
    return ".".join(hook(request, audit) for hook in _hooks.question_notes_stamps)


def review_notes_stamps(request, audit) -> str:
    return ".".join(hook(request, audit) for hook in _hooks.review_notes_stamps)
