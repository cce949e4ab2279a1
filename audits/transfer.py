"""Export a council's audits to plain tables, and import them back without loss.

One code path for both file formats: ``export_council`` builds tables (lists of rows, each
a dict of plain values); the JSON file holds them whole, the CSV format writes one file per
table (``audits.transfer_files``). ``read_export`` reads either back, checking the shape of
the file and the type of every value; ``import_council`` then checks every row with the same
rules as the forms (``audits.transfer_checks``, ``audits.validators``) and writes them in one
transaction: on any error it changes nothing, and the message names the file, table and row.

What travels: the council, its services and members, every audit (all revisions, every
status, who and when), every answer and the whole history. Factor scores are not exported:
they are recomputed from the answers on import, by the same code that computed them.
Users are matched by username; missing ones are created without a password (they set one
through "Forgot your password?"). An existing account that belongs to another council, or is a
site administrator, is given a role only when the caller allows it. Nobody is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from . import extensions, services
from .models import Answer, Audit, AuditEvent, Council, Framework, Membership, Question, Service
from .transfer_checks import USER_FIELDS, Origin, check_tables, refuse

# The file formats, used through this module (transfer.to_json, transfer.read_export…).
from .transfer_files import (  # noqa: F401
    FORMAT,
    FORMAT_VERSION,
    SCHEMA,
    Export,
    from_csv_files,
    from_json,
    read_export,
    to_csv_files,
    to_json,
)


def _username(user) -> str | None:
    return user.get_username() if user else None


def export_council(council: Council) -> dict[str, list[dict]]:
    """The council's data as tables of plain values (see SCHEMA)."""
    audits = list(
        Audit.objects.filter(council=council)
        .select_related("service", "framework", *USER_FIELDS)
        .order_by("period", "service__name", "revision", "pk")
    )
    codes = dict(Question.objects.filter(framework__audits__council=council).distinct().values_list("pk", "code"))
    position = {a.pk: i for i, a in enumerate(audits)}  # rows follow the audits, whatever their ids
    answers = sorted(
        Answer.objects.filter(audit__council=council)
        .select_related("answered_by")
        .order_by("question__order", "question__code"),
        key=lambda a: position[a.audit_id],
    )
    events = sorted(
        AuditEvent.objects.filter(audit__council=council).select_related("user").order_by("at", "pk"),
        key=lambda e: position[e.audit_id],
    )
    return {
        "council": [{"name": council.name, "slug": council.slug, "benchmark_opt_in": council.benchmark_opt_in}],
        "services": [{"name": s.name} for s in council.services.order_by("name")],
        "members": [
            {
                "username": m.user.get_username(),
                "first_name": m.user.first_name,
                "last_name": m.user.last_name,
                "email": m.user.email,
                "role": m.role,
            }
            for m in council.memberships.select_related("user").order_by("user__username", "role")
        ],
        "audits": [
            {
                "id": a.pk,
                "service": a.service.name if a.service_id else None,
                "period": a.period,
                "revision": a.revision,
                "framework": a.framework.version,
                "status": a.status,
                "version": a.version,
                "reopened_from": a.reopened_from_id,
                "reopen_reason": a.reopen_reason,
                "superseded_at": a.superseded_at,
                "created_at": a.created_at,
                "updated_at": a.updated_at,
                "submitted_at": a.submitted_at,
                "returned_at": a.returned_at,
                "return_comment": a.return_comment,
                "approved_at": a.approved_at,
                **{name: _username(getattr(a, name)) for name in USER_FIELDS},
            }
            for a in audits
        ],
        "answers": [
            {
                "audit": a.audit_id,
                "question": codes[a.question_id],
                "rating": a.rating,
                "dont_know": a.dont_know,
                "confidence": a.confidence,
                "evidence_notes": a.evidence_notes,
                "evidence_links": a.evidence_links,
                "audit_version": a.audit_version,
                "answered_by": _username(a.answered_by),
                "updated_at": a.updated_at,
            }
            for a in answers
        ],
        "events": [
            {
                "audit": e.audit_id,
                "at": e.at,
                "user": _username(e.user),
                "kind": e.kind,
                "question": codes.get(e.question_id) if e.question_id else None,
                "before": e.before,
                "after": e.after,
            }
            for e in events
        ],
    }


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    council: Council
    replaced: int = 0  # audits deleted first (--replace)
    created_users: list[str] = field(default_factory=list)
    #: Accounts that were already here, given a role in this council by the import.
    new_roles: list[str] = field(default_factory=list)
    #: (username, role here before, role in the file) of members whose role changed.
    changed_roles: list[tuple[str, str, str]] = field(default_factory=list)
    #: (username, role) of members of the council who are not in the file: they are kept.
    kept_members: list[tuple[str, str]] = field(default_factory=list)


def import_council(
    tables: dict[str, list[dict]],
    *,
    origin: Origin | None = None,
    replace: bool = False,
    allow_existing_accounts: bool = False,
) -> ImportResult:
    """Create the council's data from exported tables (as read by ``read_export``), in one
    transaction, after checking every row; ValidationError, and nothing changed, otherwise.

    Refuses a council that already has audits, unless ``replace``: that deletes its audits
    (answers, history, scores) first. Members and services are never removed. Refuses to give
    a role to an existing account that belongs to another council or is a site administrator,
    unless ``allow_existing_accounts``."""
    origin = origin or Origin()
    try:
        with transaction.atomic():
            return _import(tables, origin, replace=replace, allow_existing_accounts=allow_existing_accounts)
    except DatabaseError as exc:  # a rule the checks missed: still a refusal, never a traceback
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"{origin.name}: the database refused the import ({first_line}).") from None


def _import(tables, origin: Origin, *, replace: bool, allow_existing_accounts: bool) -> ImportResult:
    frameworks = {f.version: f for f in Framework.objects.all()}
    questions = {(q.framework.version, q.code): q for q in Question.objects.select_related("framework")}
    banks = {version: {code for v, code in questions if v == version} for version in frameworks}
    tables = check_tables(tables, origin, banks=banks)

    c = tables["council"][0]
    council = Council.objects.filter(slug=c["slug"]).first()
    if council is not None and council.name != c["name"]:
        raise refuse(origin.row("council", 0), f"the council “{council.slug}” here is called “{council.name}”.")
    if council is None and (same_name := Council.objects.filter(name=c["name"]).first()):
        raise refuse(
            origin.row("council", 0), f"the council “{c['name']}” is here with another slug, “{same_name.slug}”."
        )
    result = ImportResult(council=council)
    if council is not None and not replace and council.audits.exists():
        raise refuse(
            origin.row("council", 0),
            f"{council.name} already has {council.audits.count()} audits here. "
            "Use --replace to delete them and import the file's instead.",
        )
    accounts = _check_accounts(tables, origin, council, allow_existing_accounts)

    if council is None:
        council = result.council = Council.objects.create(name=c["name"], slug=c["slug"])
    elif replace:
        if blockers := extensions.replace_blockers(council):
            raise refuse(origin.row("council", 0), " ".join(blockers))
        result.replaced = delete_audits(council)
    council.benchmark_opt_in = c["benchmark_opt_in"]
    council.save(update_fields=["benchmark_opt_in"])

    services_by_name = {s.name: s for s in council.services.all()}
    for row in tables["services"]:
        if row["name"] not in services_by_name:
            services_by_name[row["name"]] = Service.objects.create(council=council, name=row["name"])

    users, result.created_users = _users(tables, accounts)
    _memberships(tables, council, users, result)

    new_ids: dict[int, Audit] = {}
    for row in sorted(tables["audits"], key=lambda r: r["revision"]):  # a revision's origin comes first
        audit = Audit(
            council=council,
            service=services_by_name[row["service"]] if row["service"] is not None else None,
            framework=frameworks[row["framework"]],
            reopened_from=new_ids[row["reopened_from"]] if row["reopened_from"] is not None else None,
            **{k: row[k] for k in ("period", "revision", "status", "version", "reopen_reason", "superseded_at")},
            **{k: row[k] for k in ("submitted_at", "returned_at", "return_comment", "approved_at")},
            **{name: users.get(row[name]) for name in USER_FIELDS},
        )
        _full_clean(audit, row["_where"], exclude=["council", "service", "framework", "reopened_from", *USER_FIELDS])
        audit.save()
        audit.created_at, audit.updated_at = row["created_at"], row["updated_at"]
        new_ids[row["id"]] = audit
    Audit.objects.bulk_update(new_ids.values(), ["created_at", "updated_at"])

    answers = []
    for i, row in enumerate(tables["answers"]):
        audit = new_ids[row["audit"]]
        answer = Answer(
            audit=audit,
            question=questions[audit.framework.version, row["question"]],
            answered_by=users.get(row["answered_by"]),
            **{k: row[k] for k in services.ANSWER_FIELDS},
            audit_version=row["audit_version"],
        )
        _full_clean(
            answer, origin.row("answers", i), exclude=["audit", "question", "answered_by"], validate_unique=False
        )
        answers.append(answer)
    answers = Answer.objects.bulk_create(answers)
    for answer, row in zip(answers, tables["answers"], strict=True):
        answer.updated_at = row["updated_at"]
    Answer.objects.bulk_update(answers, ["updated_at"], batch_size=1000)

    events = []
    for row in tables["events"]:
        audit = new_ids[row["audit"]]
        question = questions[audit.framework.version, row["question"]] if row["question"] else None
        events.append(
            AuditEvent(
                audit=audit,
                at=row["at"],
                user=users.get(row["user"]),
                kind=row["kind"],
                question=question,
                before=row["before"],
                after=row["after"],
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    for audit in new_ids.values():
        services.recompute_scores(audit=audit)
    return result


def _full_clean(instance, where: str, **kwargs) -> None:
    """The model's own validation, as a last check: a refusal naming the row."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        problems = [f"{f}: {' '.join(m)}" if f != "__all__" else " ".join(m) for f, m in exc.message_dict.items()]
        raise refuse(where, "; ".join(problems)) from None


def _usernames(tables) -> set[str]:
    names = {row["username"] for row in tables["members"]}
    names |= {row[n] for row in tables["audits"] for n in USER_FIELDS if row[n]}
    names |= {row["answered_by"] for row in tables["answers"] if row["answered_by"]}
    names |= {row["user"] for row in tables["events"] if row["user"]}
    return names


def _check_accounts(tables, origin: Origin, council: Council | None, allowed: bool) -> dict[str, object]:
    """The accounts already here that the file names. Refuses, naming each, to give a role to
    an existing account that is not yet a member of this council (another council's member, a
    site administrator, or an account with the same username that may be someone else),
    unless ``allowed``."""
    accounts = {u.get_username(): u for u in get_user_model().objects.filter(username__in=_usernames(tables))}
    if allowed:
        return accounts
    here = set()
    if council is not None:
        here = set(council.memberships.values_list("user__username", flat=True))
    elsewhere: dict[str, list[str]] = {}
    for m in Membership.objects.filter(user__in=accounts.values()).select_related("user", "council"):
        if council is None or m.council_id != council.pk:
            elsewhere.setdefault(m.user.get_username(), []).append(f"{m.get_role_display().lower()} of {m.council}")
    problems = []
    for i, row in enumerate(tables["members"]):
        user = accounts.get(row["username"])
        if user is None or row["username"] in here:
            continue
        # Any account here that is not yet a member: one with the same username may be someone else.
        why = list(elsewhere.get(row["username"], [])) or ["no role in any council"]
        if user.is_superuser or user.is_staff:
            why.insert(0, "a site administrator")
        problems.append(f"{row['username']} ({origin.mention('members', i)}: {', '.join(why)})")
    if problems:
        raise ValidationError(
            f"{origin.table('members')}: {len(problems)} of these accounts already exist here and are not members "
            f"of this council: {'; '.join(problems)}. The import would give them a role in "
            f"{tables['council'][0]['name']}. If they are the same people, import with --allow-existing-accounts; "
            "otherwise rename them in the file."
        )
    return accounts


def _users(tables, accounts: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """Every user the file names: the accounts here, and the missing ones created without a
    password (they set one with "Forgot your password?")."""
    User = get_user_model()
    users = dict(accounts)
    details = {row["username"]: row for row in tables["members"]}
    created = sorted(_usernames(tables) - set(users))
    for name in created:
        d = details.get(name, {})
        user = User(
            username=name,
            first_name=d.get("first_name", ""),
            last_name=d.get("last_name", ""),
            email=d.get("email", ""),
        )
        user.set_unusable_password()
        user.save()
        users[name] = user
    return users, created


def _memberships(tables, council: Council, users, result: ImportResult) -> None:
    """Give each member of the file their role. Members here who are not in the file keep
    theirs: the import never removes anyone (that is done in the admin)."""
    current = {m.user.get_username(): m for m in council.memberships.select_related("user")}
    for row in tables["members"]:
        membership = current.get(row["username"])
        if membership is None:
            Membership.objects.create(user=users[row["username"]], council=council, role=row["role"])
            if row["username"] not in result.created_users:
                result.new_roles.append(row["username"])
        elif membership.role != row["role"]:
            result.changed_roles.append((row["username"], membership.role, row["role"]))
            membership.role = row["role"]
            membership.save(update_fields=["role"])
    in_file = {row["username"] for row in tables["members"]}
    result.kept_members = sorted((name, m.role) for name, m in current.items() if name not in in_file)


def delete_audits(council: Council) -> int:
    """Delete every audit of the council (newest revisions first: they point at their origin)."""
    audits = list(Audit.objects.filter(council=council).order_by("-revision").values_list("pk", "revision"))
    for revision in sorted({r for _, r in audits}, reverse=True):
        Audit.objects.filter(council=council, revision=revision).delete()
    return len(audits)
