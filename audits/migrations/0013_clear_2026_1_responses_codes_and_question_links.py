"""Give CLEAR 2026.1 its policy responses, codes for their interventions, and question links.

Before 0012 the five policy responses belonged to no bank; they were written for CLEAR 2026.1,
the only bank there was, so they go to it. Each intervention gets a short code, and the
questions it addresses are linked, so that a suggestion names the interventions aimed at the
weak questions first. The bank file itself is frozen (see 0002), so the links live here.
"""

from django.db import migrations

VERSION = "CLEAR 2026.1"

#: Intervention title -> (code, the 2026.1 questions it addresses). Every question has one to three.
LINKS = {
    "Training and mentoring": ("training-and-mentoring", ["CD2", "CD7"]),
    "Digital inclusion support": ("digital-inclusion", ["CD3", "CD4"]),
    "Language and accessibility support": ("language-and-accessibility", ["CD5"]),
    "Practical help to attend": ("practical-help-to-attend", ["CD4"]),
    "Outreach to missing groups": ("outreach-to-missing-groups", ["CD1", "CD6"]),
    "Neighbourhood events and identity": ("neighbourhood-identity", ["LT1", "LT5"]),
    "Cohesion work": ("cohesion-work", ["LT2", "LT4"]),
    "Civic education": ("civic-education", ["LT6"]),
    "Recognising volunteers": ("recognising-volunteers", ["LT2", "LT6"]),
    "Making the council visible locally": ("council-visible-locally", ["LT3", "LT5"]),
    "Fund umbrella bodies and networks": ("umbrella-bodies-and-networks", ["ET2", "ET6"]),
    "Community centres and asset transfer": ("community-centres-and-asset-transfer", ["ET5"]),
    "Small grants": ("small-grants", ["ET1", "ET3", "ET4"]),
    "Liaison officers": ("liaison-officers", ["ET3", "ET6"]),
    "Support for groups' own capacity": ("group-capacity", ["ET1", "ET5"]),
    "A mix of methods": ("mix-of-methods", ["AT1", "AT2", "AT6"]),
    "Deliberative and co-produced approaches": ("deliberative-and-co-produced", ["AT2", "AT3"]),
    "Targeted outreach": ("targeted-outreach", ["AT4", "AT5"]),
    "Earlier involvement": ("earlier-involvement", ["AT3"]),
    "Review and learn from each initiative": ("review-and-learn", ["AT1", "AT6", "AT7"]),
    "Close the feedback loop": ("close-the-feedback-loop", ["RT4", "RT8"]),
    "Publish responses and reasons": ("publish-responses-and-reasons", ["RT1", "RT2", "RT3"]),
    "Political leadership": ("political-leadership", ["RT5", "RT6"]),
    "Managerial leadership": ("managerial-leadership", ["RT1", "RT5", "RT6"]),
    "Scrutiny of how views were used": ("scrutiny-of-views", ["RT7", "RT8"]),
}


def forwards(apps, schema_editor):
    Framework = apps.get_model("audits", "Framework")
    PolicyResponse = apps.get_model("audits", "PolicyResponse")
    Intervention = apps.get_model("audits", "Intervention")
    Question = apps.get_model("audits", "Question")
    framework = (
        Framework.objects.filter(version=VERSION).first()
        or Framework.objects.filter(is_current=True).first()
        or Framework.objects.order_by("pk").first()
    )
    if framework is None:  # no question bank at all: responses without a bank cannot be read
        PolicyResponse.objects.filter(framework__isnull=True).delete()
        return
    PolicyResponse.objects.filter(framework__isnull=True).update(framework=framework)
    questions = {q.code: q for q in Question.objects.filter(framework=framework)}
    taken = set()
    for intervention in Intervention.objects.filter(response__framework=framework).order_by("response", "order", "pk"):
        code, linked = LINKS.get(intervention.title, (None, []))
        if code is None or code in taken:  # an administrator's own intervention: a code from its number
            code = f"intervention-{intervention.pk}"
        taken.add(code)
        intervention.code = code
        intervention.save(update_fields=["code"])
        intervention.questions.set([questions[c] for c in linked if c in questions])


def backwards(apps, schema_editor):
    Intervention = apps.get_model("audits", "Intervention")
    PolicyResponse = apps.get_model("audits", "PolicyResponse")
    Intervention.questions.through.objects.all().delete()
    Intervention.objects.update(code="")
    PolicyResponse.objects.update(framework=None)


class Migration(migrations.Migration):
    dependencies = [("audits", "0012_policy_responses_belong_to_a_framework")]

    operations = [migrations.RunPython(forwards, backwards)]
