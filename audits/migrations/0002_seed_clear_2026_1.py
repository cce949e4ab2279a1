"""Seed the CLEAR 2026.1 question bank and the five policy responses.

The content lives in audits/data/clear-2026.1.json. That file is frozen once published:
a revised bank is a new file and a new migration, so that old audits keep their questions.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "clear-2026.1.json"


def seed(apps, schema_editor):
    Framework = apps.get_model("audits", "Framework")
    Question = apps.get_model("audits", "Question")
    PolicyResponse = apps.get_model("audits", "PolicyResponse")
    Intervention = apps.get_model("audits", "Intervention")
    data = json.loads(DATA.read_text(encoding="utf-8"))

    meta = data["framework"]
    framework, _ = Framework.objects.update_or_create(
        version=meta["version"],
        defaults={"title": meta["title"], "description": meta["description"]},
    )
    if not Framework.objects.filter(is_current=True).exclude(pk=framework.pk).exists():
        framework.is_current = True
        framework.save(update_fields=["is_current"])
    for order, q in enumerate(data["questions"], start=1):
        level_1, level_2, level_3, level_4 = q["levels"]
        Question.objects.update_or_create(
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
                "order": order,
            },
        )
    for r in data["responses"]:
        response, created = PolicyResponse.objects.get_or_create(
            factor=r["factor"], defaults={"title": r["title"], "summary": r["summary"]}
        )
        if created:
            Intervention.objects.bulk_create(
                Intervention(response=response, order=i, title=item["title"], description=item["description"])
                for i, item in enumerate(r["interventions"], start=1)
            )


def unseed(apps, schema_editor):
    Framework = apps.get_model("audits", "Framework")
    Question = apps.get_model("audits", "Question")
    Question.objects.filter(framework__version="CLEAR 2026.1", framework__audits__isnull=True).delete()
    Framework.objects.filter(version="CLEAR 2026.1", audits__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
