"""The questions of a question bank, read from the database once and then kept in the cache.

A question bank is frozen once any audit uses it (the admin refuses changes; a new version is
published instead), and every page that reads questions through here belongs to an audit. So a
bank's questions never go stale: the cache keeps them without a time limit. Saving or deleting a
question (possible only while its bank is unused) drops the copy all the same.
"""

from __future__ import annotations

from collections import Counter

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Question


def _key(framework_id: int) -> str:
    return f"question-bank:{framework_id}"


def questions(framework_id: int) -> list[Question]:
    """Every question of the bank, in framework order."""
    found = cache.get(_key(framework_id))
    if found is None:
        found = list(Question.objects.filter(framework_id=framework_id).order_by("order", "code"))
        cache.set(_key(framework_id), found, timeout=None)
    return found


def factor_questions(framework_id: int, factor: str) -> list[Question]:
    """The questions of one factor, in framework order."""
    return [q for q in questions(framework_id) if q.factor == factor]


def question_counts(framework_id: int) -> dict[str, int]:
    """How many questions each factor has."""
    return dict(Counter(q.factor for q in questions(framework_id)))


@receiver([post_save, post_delete], sender=Question, dispatch_uid="question_bank_forget")
def _forget(sender, instance: Question, **kwargs) -> None:
    cache.delete(_key(instance.framework_id))
