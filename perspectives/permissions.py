"""Who may do what with perspectives, on top of ``audits.permissions`` (membership first: another
council's audit is a 404 whatever the role).

- Every member of the council sees the comparison, with the perspectives' names and comments.
- Officers and managers invite organisations, make new links, revoke them and key in workshop
  results (INVITE).
- Councillors give their own ratings (RATE); they still change nothing of the officers'.
- Officers write the notes that explain a divergence (EXPLAIN): the officers' rating is theirs.
- Someone with an invitation link reaches that link's page and nothing else (see
  ``perspectives.services.invitation_for_token``).
"""

from __future__ import annotations

from enum import Enum

from django.core.exceptions import PermissionDenied

from audits.models import Audit, Role
from audits.permissions import Action, get_audit_for_user, role_in


class PerspectiveAction(Enum):
    INVITE = "invite others to rate"
    RATE = "give a councillor's ratings"
    EXPLAIN = "explain a divergence"


ROLES_FOR: dict[PerspectiveAction, frozenset[str]] = {
    PerspectiveAction.INVITE: frozenset({Role.OFFICER, Role.MANAGER}),
    PerspectiveAction.RATE: frozenset({Role.COUNCILLOR}),
    PerspectiveAction.EXPLAIN: frozenset({Role.OFFICER}),
}


def may(user, action: PerspectiveAction, council_id: int) -> bool:
    return role_in(user, council_id) in ROLES_FOR[action]


def get_audit(user, pk: int, action: PerspectiveAction | None = None) -> Audit:
    """The audit if the user is a member of its council (else 404) and, when ``action`` is
    given, their role allows it (else 403)."""
    audit = get_audit_for_user(user, pk, action=Action.VIEW)
    if action is not None and not may(user, action, audit.council_id):
        raise PermissionDenied(f"Your role does not allow you to {action.value} here.")
    return audit
