"""Who reads and writes comments on answers: the officers and managers of the audit's council.
Councillors read the audit, not the officers' working discussion of it (403); another
council's audit is a 404 (``audits.permissions``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from audits.models import AuditStatus, Role
from audits.permissions import get_audit_for_user, role_in

DISCUSSERS = frozenset({Role.OFFICER, Role.MANAGER})


def may_discuss(user, council_id: int) -> bool:
    return role_in(user, council_id) in DISCUSSERS


def may_write(audit) -> bool:
    """Comments close with the approval: an approved audit's discussion is kept as it was."""
    return audit.status != AuditStatus.APPROVED


def get_audit_to_discuss(user, pk: int):
    audit = get_audit_for_user(user, pk)
    if not may_discuss(user, audit.council_id):
        raise PermissionDenied("Comments on answers are for the council's officers and managers.")
    return audit
