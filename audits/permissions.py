"""Who may see and do what. Every view fetches its objects through these functions.

Rules:
- A user sees the councils they hold a membership of, and those councils' audits; anything
  else does not exist for them (404).
- Officers start audits, fill them in and submit them. Managers review submitted audits
  (approve or return). Councillors read. Acting beyond one's role is forbidden (403).
- Site administrators manage data in the Django admin; in the app they are like anyone
  else and need a membership.
"""

from __future__ import annotations

from enum import Enum

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Audit, Council, Membership, Role


class Action(Enum):
    VIEW = "view"
    EDIT = "edit"  # start, fill in and submit audits
    REVIEW = "review"  # approve or return submitted audits
    MANAGE = "manage"  # change the council's settings


#: Which roles may take each action.
ROLES_FOR: dict[Action, frozenset[str]] = {
    Action.VIEW: frozenset(Role.values),
    Action.EDIT: frozenset({Role.OFFICER}),
    Action.REVIEW: frozenset({Role.MANAGER}),
    Action.MANAGE: frozenset({Role.MANAGER}),
}


def roles_of(user) -> dict[int, str]:
    """{council id: role} for the user, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_clear_roles", None)
    if cached is None:
        cached = dict(user.memberships.order_by().values_list("council_id", "role"))
        user._clear_roles = cached
    return cached


def role_in(user, council_id: int) -> str | None:
    return roles_of(user).get(council_id)


def may(user, action: Action, council_id: int) -> bool:
    return role_in(user, council_id) in ROLES_FOR[action]


def councils_visible_to(user) -> QuerySet[Council]:
    return Council.objects.filter(pk__in=list(roles_of(user)))


def councils_where(user, action: Action) -> QuerySet[Council]:
    ids = [council_id for council_id, role in roles_of(user).items() if role in ROLES_FOR[action]]
    return Council.objects.filter(pk__in=ids)


#: The roles that work on audits: they lead one, answer a factor, comment, and own actions.
WORKERS = frozenset({Role.OFFICER, Role.MANAGER})


def council_workers(council_id: int) -> QuerySet:
    """The council's active officers and managers, by name: whom an audit's lead, a factor, a
    comment's question or an action may be given to."""
    members = Membership.objects.filter(council_id=council_id, role__in=WORKERS)
    return (
        get_user_model()
        .objects.filter(pk__in=members.values("user_id"), is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def audits_visible_to(user) -> QuerySet[Audit]:
    return Audit.objects.filter(council_id__in=list(roles_of(user)))


def _check(user, action: Action, council_id: int) -> None:
    if role_in(user, council_id) is None:
        raise Http404("No such council.")
    if not may(user, action, council_id):
        raise PermissionDenied(f"Your role does not allow you to {action.value} here.")


def get_council_for_user(user, slug: str, *, action: Action = Action.VIEW) -> Council:
    try:
        council = councils_visible_to(user).get(slug=slug)
    except Council.DoesNotExist:
        raise Http404("No such council.") from None
    _check(user, action, council.pk)
    return council


#: What most pages show of an audit besides its row: joined to it in the same query.
AUDIT_RELATED = ("council", "service", "framework", "lead")


def get_audit_for_user(
    user, pk: int, *, action: Action = Action.VIEW, related: tuple[str, ...] = AUDIT_RELATED
) -> Audit:
    """The audit, if the user belongs to its council (else 404) and their role allows
    ``action`` (else 403). Status rules (an approved audit cannot change) live in services.
    ``related`` names the relations read with it: none for a caller that shows nothing of its
    council, service or bank (an autosave), others for a page that shows them."""
    audits = audits_visible_to(user).select_related(*related) if related else audits_visible_to(user)
    try:
        audit = audits.get(pk=pk)
    except Audit.DoesNotExist:
        raise Http404("No such audit.") from None
    _check(user, action, audit.council_id)
    return audit


def may_delete_draft(user, audit: Audit) -> bool:
    """The officer who started a draft, or any manager of its council."""
    role = role_in(user, audit.council_id)
    return role == Role.MANAGER or (role == Role.OFFICER and audit.created_by_id == user.pk)


def may_assign(user, council_id: int) -> bool:
    """Officers and managers give an audit its lead and its factors to colleagues."""
    return role_in(user, council_id) in (Role.OFFICER, Role.MANAGER)
