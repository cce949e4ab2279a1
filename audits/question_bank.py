"""The questions of a question bank, read from the database once and then kept in the cache.

A question bank is frozen once any audit uses it (the admin refuses changes, additions and
deletions; a new version is published instead), and every page that reads questions through
here belongs to an audit. So a bank's cached questions do not go stale. Two guards all the same:
saving or deleting a question (possible only while its bank is unused) drops every cached bank
in this process once the change is committed, and each copy expires after CACHE_SECONDS, which
bounds how long another app process could keep an old copy (say, of a bank edited after its
only draft audit was deleted).
"""

from __future__ import annotations

from collections import Counter

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Framework, Question

CACHE_SECONDS = 3600


def _key(framework_id: int) -> str:
    return f"question-bank:{framework_id}"


def questions(framework_id: int) -> list[Question]:
    """Every question of the bank, in framework order."""
    found = cache.get(_key(framework_id))
    if found is None:
        found = list(Question.objects.filter(framework_id=framework_id).order_by("order", "code"))
        cache.set(_key(framework_id), found, timeout=CACHE_SECONDS)
    return found


def factor_questions(framework_id: int, factor: str) -> list[Question]:
    """The questions of one factor, in framework order."""
    return [q for q in questions(framework_id) if q.factor == factor]


def question_counts(framework_id: int) -> dict[str, int]:
    """How many questions each factor has."""
    return dict(Counter(q.factor for q in questions(framework_id)))


@receiver([post_save, post_delete], sender=Question, dispatch_uid="question_bank_forget")
def _forget(sender, instance: Question, **kwargs) -> None:
    def forget_all() -> None:  # every bank: the question may have moved from one to another
        cache.delete_many([_key(pk) for pk in Framework.objects.values_list("pk", flat=True)])

    forget_all()
    transaction.on_commit(forget_all)  # again, in case a request cached the bank before the commit
