"""What the previous plan changed, as the next audit of the same scope shows it (CLEAR's step 7).

The actions followed up are the scope's actions planned from audits of earlier periods that
were still open after the previous approved audit of the scope, or planned from that audit's
period (any revision of it): what was closed before then was already read at that audit. For each question an action aims at, the
rating when the action was planned (in the audit it was planned from) is set beside this
audit's rating of the question with the same code (the bank may have a new version since):

- improved: rated higher now;
- no change; worse: rated lower now;
- not comparable: one of the two has no rating (not answered, or "don't know").

A rating that rose is not proof that the action raised it; pages say "after action", never
"because of".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from audits.factors import FACTOR_ORDER, Factor
from audits.models import Answer, Audit
from audits.reports.data import previous_audit

from .models import Action, ActionStatus
from .selectors import listed

LEVEL_WORDS = {1: "a level", 2: "two levels", 3: "three levels"}


@dataclass(frozen=True)
class Move:
    """One question's rating when the action was planned, and now."""

    code: str
    before: int | None
    before_period: str
    now: int | None

    @property
    def delta(self) -> int | None:
        return None if self.before is None or self.now is None else self.now - self.before

    @property
    def kind(self) -> str:
        d = self.delta
        return "unknown" if d is None else "improved" if d > 0 else "worse" if d < 0 else "same"

    @property
    def label(self) -> str:
        return {
            "improved": "improved after action",
            "same": "no change",
            "worse": "worse",
            "unknown": "not comparable",
        }[self.kind]

    @property
    def short(self) -> str:
        """e.g. "2 → 3" ("–" for no rating)."""
        return f"{self.before or '–'} → {self.now or '–'}"

    @property
    def text(self) -> str:
        """e.g. "rated 2 in 2026/27, 3 now"."""

        def shown(r):
            return str(r) if r is not None else "no rating"

        return f"rated {shown(self.before)} in {self.before_period}, {shown(self.now)} now"


@dataclass(frozen=True)
class FollowedAction:
    action: Action
    moves: tuple[Move, ...]


@dataclass(frozen=True)
class FactorFollowup:
    factor: str
    label: str
    actions: tuple[FollowedAction, ...]

    @property
    def sentence(self) -> str:
        return factor_sentence(self.label, [f.action for f in self.actions], _first_moves(self.actions))


@dataclass(frozen=True)
class Followup:
    audit: Audit
    previous: Audit | None
    factors: tuple[FactorFollowup, ...]

    @property
    def actions(self) -> list[FollowedAction]:
        return [a for f in self.factors for a in f.actions]

    @property
    def trials(self) -> list[FollowedAction]:
        return [a for a in self.actions if a.action.is_trial]

    def by_code(self) -> dict[str, list[tuple[Action, Move]]]:
        """Per question code, the actions aimed at it with the question's move."""
        found: dict[str, list[tuple[Action, Move]]] = defaultdict(list)
        for followed in self.actions:
            for move in followed.moves:
                found[move.code].append((followed.action, move))
        return dict(found)

    @property
    def sentences(self) -> list[str]:
        return [f.sentence for f in self.factors]


def _first_moves(followed) -> list[Move]:
    """Each question once, as the first action aimed at it saw it move."""
    seen: dict[str, Move] = {}
    for f in followed:
        for move in f.moves:
            seen.setdefault(move.code, move)
    return list(seen.values())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


STATUS_WORDS = {
    ActionStatus.PLANNED: "still planned",
    ActionStatus.IN_PROGRESS: "still in progress",
    ActionStatus.DONE: "done",
    ActionStatus.DROPPED: "dropped",
}


def factor_sentence(label: str, actions: list[Action], moves: list[Move]) -> str:
    """e.g. "3 of 4 actions on Responded to were done; RT3 and RT4 rose a level, RT1 did not move"."""
    done = sum(a.status == ActionStatus.DONE for a in actions)
    dropped = sum(a.status == ActionStatus.DROPPED for a in actions)
    if len(actions) == 1:
        sentence = f"The action on {label} was {STATUS_WORDS[ActionStatus(actions[0].status)]}"
    else:
        sentence = f"{done} of {len(actions)} actions on {label} {'was' if done == 1 else 'were'} done"
        if dropped:
            sentence += f" and {dropped} dropped"
    groups: dict[str, list[str]] = defaultdict(list)
    for move in sorted(moves, key=lambda m: m.code):
        d = move.delta
        if d is None:
            groups["had no rating to compare"].append(move.code)
        elif d == 0:
            groups["did not move"].append(move.code)
        else:
            verb = "rose" if d > 0 else "fell"
            groups[f"{verb} {LEVEL_WORDS.get(abs(d), f'{abs(d)} levels')}"].append(move.code)
    order = sorted(groups, key=lambda g: (not g.startswith("rose"), g.startswith("had"), g))
    parts = [f"{_and(groups[g])} {g}" for g in order]
    return sentence + ("; " + ", ".join(parts) if parts else "") + "."


def _followed_actions(audit: Audit, previous: Audit | None) -> list[Action]:
    actions = Action.objects.of_scope(audit.council_id, audit.service_id).filter(audit__period__lt=audit.period)
    if previous is not None and previous.approved_at:
        # Planned from the previous period's audit (any of its revisions), or still open then.
        actions = actions.filter(
            Q(audit__period__gte=previous.period) | Q(closed_at__isnull=True) | Q(closed_at__gte=previous.approved_at)
        )
    if audit.approved_at:  # an approved audit's report reads the same later
        actions = actions.filter(created_at__lte=audit.approved_at)
    return listed(actions.order_by("factor", "due", "pk"))


def followup(audit: Audit) -> Followup | None:
    """What the previous plan changed, or None when no action of the scope precedes this audit
    (one query then)."""
    scope = Action.objects.of_scope(audit.council_id, audit.service_id)
    if not scope.filter(audit__period__lt=audit.period).exists():
        return None
    previous = previous_audit(audit)
    actions = _followed_actions(audit, previous)
    if not actions:
        return None
    now = dict(Answer.objects.filter(audit=audit).values_list("question__code", "rating"))
    planned_from = {a.audit_id for a in actions}
    before = {
        (row[0], row[1]): row[2]
        for row in Answer.objects.filter(audit_id__in=planned_from).values_list("audit_id", "question__code", "rating")
    }
    by_factor: dict[str, list[FollowedAction]] = defaultdict(list)
    for action in actions:
        moves = tuple(
            Move(code, before.get((action.audit_id, code)), action.audit.period, now.get(code)) for code in action.codes
        )
        by_factor[action.factor].append(FollowedAction(action, moves))
    factors = tuple(FactorFollowup(f, Factor(f).label, tuple(by_factor[f])) for f in FACTOR_ORDER if by_factor.get(f))
    return Followup(audit, previous, factors)
