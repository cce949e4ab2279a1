"""What perspectives add to the audit's page, its approval, its PDF report and the dashboard,
through ``audits.extensions`` (audits does not import this app)."""

from __future__ import annotations

from dataclasses import dataclass

from audits import extensions
from audits.extensions import Panel
from audits.models import Audit, AuditStatus

from . import permissions
from .comparison import Comparison, FactorGap, comparison, comparisons, factor_gaps
from .models import Perspective
from .permissions import PerspectiveAction


def unexplained_divergences(audit: Audit) -> list[str]:
    """The approval check: every divergence needs an officer's note first."""
    compared = _compared(audit)
    missing = compared.unexplained if compared else []
    if not missing:
        return []
    codes = ", ".join(q.code for q in missing)
    return [
        f"{len(missing)} question{'s' if len(missing) != 1 else ''} ({codes}) "
        f"{'are' if len(missing) != 1 else 'is'} rated two levels or more apart by the officers and another "
        "perspective, without an officer's note saying why. An officer writes the note on the Perspectives page."
    ]


def _compared(audit: Audit) -> Comparison | None:
    """The audit's comparison, None when it has no other perspective (one query then). Kept
    on the audit object, so that a page asking twice (the audit page of a submitted audit:
    its panel and its approval check) reads once; the approval itself locks and reads the
    audit afresh, so it never sees a kept one."""
    if not hasattr(audit, "_perspectives_compared"):
        has = Perspective.objects.filter(audit=audit).exists()
        audit._perspectives_compared = comparison(audit) if has else None
    return audit._perspectives_compared


@dataclass(frozen=True)
class AuditPanel:
    audit: Audit
    compared: Comparison | None  # None: no other perspective yet
    may_invite: bool
    may_rate: bool
    may_explain: bool

    @property
    def is_open(self) -> bool:
        return self.audit.status != AuditStatus.APPROVED


def audit_panel(request, audit: Audit) -> Panel:
    user, council_id = request.user, audit.council_id
    return Panel(
        "perspectives/panel.html",
        AuditPanel(
            audit,
            _compared(audit),
            permissions.may(user, PerspectiveAction.INVITE, council_id),
            permissions.may(user, PerspectiveAction.RATE, council_id),
            permissions.may(user, PerspectiveAction.EXPLAIN, council_id),
        ),
    )


def report_section(audit: Audit) -> Panel | None:
    compared = _compared(audit)
    if compared is None:
        return None
    return Panel("perspectives/report_section.html", compared, "Where perspectives disagree", "perspectives")


@dataclass(frozen=True)
class DashboardGaps:
    gaps: list[FactorGap]
    audits: int  # approved audits counted
    with_perspectives: int  # of which have another perspective shown

    @property
    def any(self) -> bool:
        return any(g.audits for g in self.gaps)


def _gaps(audit_ids) -> DashboardGaps:
    ids = list(audit_ids)
    if not Perspective.objects.filter(audit_id__in=ids).exists():  # one query, for most councils
        return DashboardGaps(factor_gaps([]), len(ids), 0)
    audits = list(Audit.objects.filter(pk__in=ids).order_by())
    compared = comparisons(audits).values()
    return DashboardGaps(factor_gaps(compared), len(audits), sum(1 for c in compared if c.shown_views))


def dashboard_panel(council, audit_ids) -> Panel:
    gaps = _gaps(audit_ids)
    return Panel("perspectives/dashboard_panel.html", gaps, csv_rows=tuple(_csv_rows(gaps)))


def _csv_rows(gaps: DashboardGaps) -> list[list[str]]:
    def fmt(value):
        return "" if value is None else f"{value:.1f}"

    return [
        [
            "perspectives",
            "officers and others",
            "",
            g.label,
            fmt(g.others),
            f"officers {fmt(g.officers)}; gap {fmt(g.gap)}; {g.audits} audits" if g.audits else "no other perspective",
        ]
        for g in gaps.gaps
    ]


def register() -> None:
    extensions.register(
        approval_check=unexplained_divergences,
        audit_panel=audit_panel,
        report_section=report_section,
        dashboard_panel=dashboard_panel,
    )
