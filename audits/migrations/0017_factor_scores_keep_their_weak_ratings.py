"""Stored factor scores keep their questions rated 1 or 2, so that dashboards built from them
judge bands and suggestions by the same rule as the audit page (a barrier is never averaged
away); and their evidence counts follow the rule that a note cites evidence only when it says
something. Existing scores are recomputed from their audits' answers, with the rules as they
stand at this migration (a frozen copy: later changes to scoring.py do not alter history).
"""

import re
from collections import defaultdict

from django.db import migrations, models

# scoring.PLACEHOLDER_WORDS, EVIDENCE_NOTE_WORDS and EVIDENCE_NOTE_CHARACTERS at this migration.
PLACEHOLDERS = frozenset(
    [
        "tbc",
        "tbd",
        "tba",
        "todo",
        "to",
        "be",
        "confirmed",
        "done",
        "see",
        "ask",
        "check",
        "pending",
        "awaiting",
        "waiting",
        "na",
        "n",
        "a",
        "none",
        "nil",
        "xxx",
        "etc",
        "sure",
        "yet",
        "later",
        "will",
        "add",
        "unknown",
        "maybe",
        "follow",
        "up",
    ]
)
WORD = re.compile(r"\w+")


def cites_evidence(notes: str, links: str) -> bool:
    if any(line.strip() for line in (links or "").splitlines()):
        return True
    words = [w for w in WORD.findall((notes or "").casefold().replace("_", " ")) if w not in PLACEHOLDERS]
    return len(words) >= 2 and sum(len(w) for w in words) >= 10


def strength(rated: int, evidenced: int) -> str:
    if rated == 0 or evidenced == 0:
        return "none"
    share = evidenced / rated
    return "strong" if share >= 0.8 else "moderate" if share >= 0.5 else "weak"


def recompute(apps, schema_editor):
    Answer = apps.get_model("audits", "Answer")
    FactorScore = apps.get_model("audits", "FactorScore")
    weak = defaultdict(dict)
    evidenced = defaultdict(int)
    rows = Answer.objects.filter(rating__isnull=False).values_list(
        "audit_id", "question__factor", "question__code", "rating", "evidence_notes", "evidence_links"
    )
    for audit_id, factor, code, rating, notes, links in rows.order_by().iterator(chunk_size=5000):
        if rating <= 2:
            weak[audit_id, factor][code] = rating
        if cites_evidence(notes, links):
            evidenced[audit_id, factor] += 1
    changed = []
    for score in FactorScore.objects.order_by().iterator(chunk_size=5000):  # no IN list: any number of audits
        key = (score.audit_id, score.factor)
        new = (weak.get(key, {}), evidenced.get(key, 0), strength(score.answered, evidenced.get(key, 0)))
        if new != (score.weak_ratings, score.evidenced, score.evidence_strength):
            score.weak_ratings, score.evidenced, score.evidence_strength = new
            changed.append(score)
        if len(changed) >= 1000:
            FactorScore.objects.bulk_update(changed, ["weak_ratings", "evidenced", "evidence_strength"])
            changed = []
    FactorScore.objects.bulk_update(changed, ["weak_ratings", "evidenced", "evidence_strength"])


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0016_seed_clear_2027_1"),
    ]

    operations = [
        migrations.AddField(
            model_name="factorscore",
            name="weak_ratings",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The factor's questions rated 1 or 2, code to rating: a barrier is never averaged away.",
            ),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
