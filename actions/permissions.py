"""Who may do what with action plans, on top of ``audits.permissions`` (membership first:
another council's plan or action is a 404 whatever the role).

- Every member of the council reads its plan, its actions and their history.
- Officers and managers plan actions, change them, record progress and close them (PLAN).
  Councillors read and change nothing.
- An action's owner is an officer or a manager of the council (``owner_choices``), so that the
  person who owns it may also update it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from audits.permissions import WORKERS, council_workers, role_in, roles_of

from .models import Action

#: The roles that plan and update actions, and may own them.
PLANNERS = WORKERS


def may_plan(user, council_id: int) -> bool:
    return role_in(user, council_id) in PLANNERS


def actions_visible_to(user):
    return Action.objects.filter(council_id__in=list(roles_of(user)))


def get_action(user, pk: int, *, change: bool = False) -> Action:
    """The action if the user is a member of its council (else 404) and, with ``change``, an
    officer or manager there (else 403)."""
    try:
        action = (
            actions_visible_to(user).select_related("council", "service", "audit", "owner", "intervention").get(pk=pk)
        )
    except Action.DoesNotExist:
        raise Http404("No such action.") from None
    if change and not may_plan(user, action.council_id):
        raise PermissionDenied("Your role does not allow you to change action plans here.")
    return action


def owner_choices(council_id: int):
    """The people who may own an action of the council: its officers and managers."""
    return council_workers(council_id)
