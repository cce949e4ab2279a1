"""The five CLEAR factors and their policy responses (the framework's own pairings).

Plain Python so that scoring and the templates can use it without the database.
"""

from django.db import models


class Factor(models.TextChoices):
    CAN_DO = "can_do", "Can do"
    LIKE_TO = "like_to", "Like to"
    ENABLED_TO = "enabled_to", "Enabled to"
    ASKED_TO = "asked_to", "Asked to"
    RESPONDED_TO = "responded_to", "Responded to"


#: Framework order: C, L, E, A, R.
FACTOR_ORDER: tuple[str, ...] = tuple(Factor.values)

#: What each factor asks, in one line (shown on the audit pages).
FACTOR_QUESTIONS: dict[str, str] = {
    Factor.CAN_DO: "Do people have the resources, skills and knowledge to take part?",
    Factor.LIKE_TO: "Do people feel attached to the community, enough to want to take part?",
    Factor.ENABLED_TO: "Is there a civic infrastructure of groups and networks that lets people take part?",
    Factor.ASKED_TO: "Are people invited to take part, through varied and open initiatives?",
    Factor.RESPONDED_TO: "Do people see that their views were listened to and acted on?",
}

#: The framework's pairing of each factor with its policy response.
FACTOR_RESPONSES: dict[str, str] = {
    Factor.CAN_DO: "Capacity building",
    Factor.LIKE_TO: "Community identity",
    Factor.ENABLED_TO: "Civic infrastructure",
    Factor.ASKED_TO: "Diverse participation initiatives",
    Factor.RESPONDED_TO: "Accountability and leadership",
}

#: URL slugs for the audit's factor steps.
FACTOR_SLUGS: dict[str, str] = {value: value.replace("_", "-") for value in FACTOR_ORDER}
SLUG_FACTORS: dict[str, str] = {slug: value for value, slug in FACTOR_SLUGS.items()}
