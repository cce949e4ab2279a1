"""Seed the CLEAR 2027.1 question bank, its policy responses and interventions, and make it current.

The content lives in audits/data/clear-2027.1.json and is frozen once published, like 2026.1:
audits started on 2026.1 keep its questions, responses and interventions; new audits use 2027.1.
What changed is listed in the file's description and in docs/scoring.md.
"""

import json
from pathlib import Path

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError

DATA = Path(__file__).resolve().parent.parent / "data" / "clear-2027.1.json"


def seed(apps, schema_editor):
    """Create or update the bank (idempotent: the test suite calls it again after a flush)."""
    Framework = apps.get_model("audits", "Framework")
    Question = apps.get_model("audits", "Question")
    PolicyResponse = apps.get_model("audits", "PolicyResponse")
    Intervention = apps.get_model("audits", "Intervention")
    data = json.loads(DATA.read_text(encoding="utf-8"))

    meta = data["framework"]
    Framework.objects.filter(is_current=True).exclude(version=meta["version"]).update(is_current=False)
    framework, _ = Framework.objects.update_or_create(
        version=meta["version"],
        defaults={
            "title": meta["title"],
            "description": meta["description"],
            "rating_guidance": meta["rating_guidance"],
            "is_current": True,
        },
    )
    questions = {}
    for order, q in enumerate(data["questions"], start=1):
        level_1, level_2, level_3, level_4 = q["levels"]
        questions[q["code"]], _ = Question.objects.update_or_create(
            framework=framework,
            code=q["code"],
            defaults={
                "factor": q["factor"],
                "theme": q["theme"],
                "prompt": q["prompt"],
                "guidance": q["guidance"],
                "level_1": level_1,
                "level_2": level_2,
                "level_3": level_3,
                "level_4": level_4,
                "kind": q["kind"],
                "order": order,
            },
        )
    for r in data["responses"]:
        response, _ = PolicyResponse.objects.update_or_create(
            framework=framework, factor=r["factor"], defaults={"title": r["title"], "summary": r["summary"]}
        )
        for order, item in enumerate(r["interventions"], start=1):
            intervention, _ = Intervention.objects.update_or_create(
                response=response,
                code=item["code"],
                defaults={"title": item["title"], "description": item["description"], "order": order},
            )
            intervention.questions.set([questions[code] for code in item["questions"]])


def unseed(apps, schema_editor):
    Framework = apps.get_model("audits", "Framework")
    framework = Framework.objects.filter(version="CLEAR 2027.1").first()
    if framework is None:
        return
    if framework.audits.exists():
        raise IrreversibleError("Audits use CLEAR 2027.1: its questions cannot be removed (export those audits first).")
    framework.responses.all().delete()
    framework.questions.all().delete()
    framework.delete()
    Framework.objects.filter(version="CLEAR 2026.1").update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [("audits", "0015_questions_say_whether_they_rate_context_or_practice")]

    operations = [migrations.RunPython(seed, unseed)]
