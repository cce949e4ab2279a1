"""The questions of a question bank, read from the database once and then kept in memory.

A question bank is frozen once any audit uses it (the admin refuses changes, additions and
deletions; a new version is published instead), and every page that reads questions through
here belongs to an audit. So a bank's kept questions do not go stale. Two guards all the same:
saving or deleting a question (possible only while its bank is unused) forgets every bank in
this process once the change is committed, and each copy expires after CACHE_SECONDS, which
bounds how long another app process could keep an old copy (say, of a bank edited after its
only draft audit was deleted).

The copies are plain objects in this process (not the cache, which would unpickle a bank on
every read: a save reads it three or four times). Nothing changes a Question read from here.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Question

CACHE_SECONDS = 3600


@dataclass(frozen=True)
class _Bank:
    expires: float
    questions: tuple[Question, ...]
    by_factor: dict[str, tuple[Question, ...]]
    counts: dict[str, int]


_banks: dict[int, _Bank] = {}


def _bank(framework_id: int) -> _Bank:
    bank = _banks.get(framework_id)
    if bank is None or bank.expires < time.monotonic():
        found = tuple(Question.objects.filter(framework_id=framework_id).order_by("order", "code"))
        by_factor: dict[str, list[Question]] = {}
        for q in found:
            by_factor.setdefault(q.factor, []).append(q)
        bank = _Bank(
            expires=time.monotonic() + CACHE_SECONDS,
            questions=found,
            by_factor={factor: tuple(qs) for factor, qs in by_factor.items()},
            counts=dict(Counter(q.factor for q in found)),
        )
        _banks[framework_id] = bank
    return bank


def questions(framework_id: int) -> list[Question]:
    """Every question of the bank, in framework order."""
    return list(_bank(framework_id).questions)


def factor_questions(framework_id: int, factor: str) -> list[Question]:
    """The questions of one factor, in framework order."""
    return list(_bank(framework_id).by_factor.get(factor, ()))


def question_counts(framework_id: int) -> dict[str, int]:
    """How many questions each factor has."""
    return dict(_bank(framework_id).counts)


def forget() -> None:
    """Forget every bank kept in this process (the next read goes to the database)."""
    _banks.clear()


@receiver([post_save, post_delete], sender=Question, dispatch_uid="question_bank_forget")
def _forget(sender, instance: Question, **kwargs) -> None:
    # Every bank: the question may have moved from one to another.
    forget()
    transaction.on_commit(forget)  # again, in case a request read the bank before the commit
