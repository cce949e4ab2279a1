"""Which interventions a suggested response leads with: those aimed at the weak questions.

Each intervention of a question bank's policy response names the questions it addresses. A
suggestion (scoring.Suggestion) carries the factor's questions rated 1 or 2; the interventions
linked to those questions come first, each with the weak questions it answers ("CD3 rated 1
(Digital skills) → Digital inclusion support"), and the rest of the response's interventions
follow as other options. Responses are read from the audit's own bank version, so an approved
audit keeps the interventions it was written with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch

from . import scoring
from .factors import FACTOR_RESPONSES
from .models import Intervention, PolicyResponse, Question
from .summary import suggestion_reason


@dataclass(frozen=True)
class AimedIntervention:
    """An intervention and the weak answers of the audit it addresses."""

    intervention: Intervention
    targets: tuple[scoring.AnswerInput, ...]

    @property
    def target_text(self) -> str:
        """e.g. "CD3 rated 1 (Digital skills), CD4 rated 2 (Practical barriers)"."""
        themes = {q.code: q.theme for q in self.intervention.questions.all()}
        return ", ".join(dict.fromkeys(target_label(a, themes.get(a.code, "")) for a in self.targets))


@dataclass(frozen=True)
class SuggestedResponse:
    """A suggestion with its bank's response: the aimed interventions, then the other options."""

    suggestion: scoring.Suggestion
    response: PolicyResponse | None
    aimed: tuple[AimedIntervention, ...]
    other_options: tuple[Intervention, ...]

    @property
    def title(self) -> str:
        return self.response.title if self.response else FACTOR_RESPONSES[self.suggestion.factor]

    @property
    def because(self) -> str:
        return suggestion_reason(self.suggestion)

    @property
    def interventions(self) -> list[Intervention]:
        return [a.intervention for a in self.aimed] + list(self.other_options)


def target_label(answer: scoring.AnswerInput, theme: str = "") -> str:
    """ "CD3 rated 1 (Digital skills)": the answer's theme, or the bank's (stored scores keep codes only)."""
    theme = answer.theme or theme
    return f"{answer.code} rated {answer.rating}" + (f" ({theme})" if theme else "")


def aim(suggestion: scoring.Suggestion, response: PolicyResponse | None) -> SuggestedResponse:
    """Order the response's interventions: those linked to the suggestion's weak questions
    first (the one addressing the most barriers, then most weak questions, then bank order),
    then the rest. Links are matched by question code, so a combined profile of audits on
    different bank versions still finds them."""
    interventions = list(response.interventions.all()) if response else []
    weak = suggestion.reasons
    aimed, others = [], []
    for intervention in interventions:
        codes = {q.code for q in intervention.questions.all()}
        targets = tuple(a for a in weak if a.code in codes)
        if targets:
            aimed.append(AimedIntervention(intervention, targets))
        else:
            others.append(intervention)
    aimed.sort(key=lambda a: (-sum(t.rating == scoring.BARRIER_RATING for t in a.targets), -len(a.targets)))
    return SuggestedResponse(suggestion, response, tuple(aimed), tuple(others))


def bank_responses(framework_id: int, factors: Iterable[str]) -> dict[str, PolicyResponse]:
    """The bank's responses for these factors, with their interventions and the codes of the
    questions each addresses (three queries, whatever the number of interventions)."""
    questions = Prefetch("questions", queryset=Question.objects.only("pk", "code", "theme"))
    interventions = Prefetch("interventions", queryset=Intervention.objects.prefetch_related(questions))
    rows = PolicyResponse.objects.filter(framework_id=framework_id, factor__in=list(factors)).prefetch_related(
        interventions
    )
    return {r.factor: r for r in rows}


def with_interventions(framework_id: int, suggestions: Iterable[scoring.Suggestion]) -> list[SuggestedResponse]:
    """Each suggestion with its bank's response and the interventions aimed at its weak questions."""
    suggestions = list(suggestions)
    responses = bank_responses(framework_id, [s.factor for s in suggestions]) if suggestions else {}
    return [aim(s, responses.get(s.factor)) for s in suggestions]
