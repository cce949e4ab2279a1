"""Forms of the action-plan pages: layout and field checks, with messages a person can act on.
The rules about the action (dates in order, owner of the council, questions of the audit's bank,
the trial locked once started) are checked again in ``actions.services``, whose messages land
beside the same fields."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from audits.factors import Factor
from audits.forms import DateInputField, LimitedTextField
from audits.models import Intervention, Question
from audits.validators import reject_control_characters

from . import services
from .models import ActionStatus, TrialComparison, TrialDecision
from .permissions import owner_choices
from .services import ActionData, StatusData


def _text(label: str, *, required: bool = False, max_length: int = services.TEXT_MAX, rows: int = 2, **kwargs):
    return LimitedTextField(
        max_length=max_length, label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class _CleanText:
    """Text fields refuse invisible control characters and direction overrides, as everywhere
    in the app (audits.validators)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(reject_control_characters)


def _helper(layout: Layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = layout
    return helper


class ActionForm(_CleanText, forms.Form):
    """An action: what, aimed at which questions, who, when, and whether it is run as a trial."""

    title = LimitedTextField(max_length=services.TITLE_MAX, label="Title", help_text="What will be done, in a line.")
    intervention = forms.ModelChoiceField(
        queryset=Intervention.objects.none(),
        required=False,
        label="Intervention it applies",
        empty_label="— the council's own (describe it below) —",
    )
    own_intervention = LimitedTextField(
        max_length=200, required=False, label="The council's own intervention", help_text="When none of the list fits."
    )
    questions = forms.ModelMultipleChoiceField(
        queryset=Question.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Questions it aims at",
        help_text="The next audit of the same scope shows whether their ratings moved.",
    )
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Owner",
        empty_label="— a partner organisation (name it below) —",
    )
    partner = LimitedTextField(max_length=200, required=False, label="Partner organisation")
    partner_contact = LimitedTextField(
        max_length=200,
        required=False,
        label="Partner's contact",
        help_text="A name, and an e-mail address or telephone number. Reminders for a partner's action go to "
        "the colleague who planned it.",
    )
    start = DateInputField(label="Start date")
    due = DateInputField(label="Due date")
    target = LimitedTextField(
        max_length=300, required=False, label="Target", help_text="For example “RT4 from 2 to 3 at the next audit”."
    )
    budget_note = _text("Budget note (optional)")
    is_trial = forms.BooleanField(
        required=False,
        label="Run it as a trial",
        help_text="Write down what you expect and how you will judge it before it starts: both are locked once it "
        "has started.",
    )
    hypothesis = _text("Hypothesis: what you expect to happen")
    judged_by = _text("How the result will be judged")
    comparison = forms.ChoiceField(choices=TrialComparison.choices, required=False, label="Comparison")
    comparison_detail = _text("About the comparison (optional)", help_text="e.g. which areas it is compared with.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, audit, factor: str, action=None, **kwargs):
        super().__init__(*args, **kwargs)
        council = audit.council
        bank = Intervention.objects.filter(response__framework_id=audit.framework_id).select_related("response")
        # The suggested response's interventions first, then the bank's others.
        first = Case(When(response__factor=factor, then=Value(0)), default=Value(1), output_field=IntegerField())
        self.fields["intervention"].queryset = bank.annotate(first=first).order_by("first", "response__factor", "order")
        self.fields["intervention"].label_from_instance = lambda i: f"{i.title} ({i.response.title})"
        self.fields["intervention"].error_messages["invalid_choice"] = (
            f"That intervention is not one of this audit's question bank ({audit.framework}): choose one of the "
            "list, or describe the council's own."
        )
        self.fields["questions"].queryset = Question.objects.filter(
            framework_id=audit.framework_id, factor=factor
        ).order_by("order", "code")
        self.fields["questions"].label_from_instance = lambda q: f"{q.code}: {q.prompt}"
        for key in ("invalid_choice", "invalid_pk_value"):
            self.fields["questions"].error_messages[key] = (
                f"Choose from the list: an action on {Factor(factor).label} aims at that factor's questions in "
                f"this audit's question bank ({audit.framework})."
            )
        self.fields["questions"].error_messages["required"] = "Choose at least one question the action aims at."
        self.fields["owner"].queryset = owner_choices(council.pk)
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["owner"].error_messages["invalid_choice"] = (
            f"That person is not an officer or manager of {council}: choose one from the list, or name a partner "
            "organisation."
        )
        self.fields["comparison"].error_messages["invalid_choice"] = "Choose a comparison from the list."
        if action is not None and action.has_started:
            for name in services.TRIAL_DESIGN:
                self.fields[name].disabled = True
            self.fields[
                "is_trial"
            ].help_text = "This action has started: whether it is a trial, and its design, are locked."
        self.helper = _helper(
            Layout(
                Fieldset(
                    "The action", "title", "intervention", "own_intervention", "questions", "target", "budget_note"
                ),
                Fieldset("Who and when", "owner", "partner", "partner_contact", "start", "due"),
                Fieldset("Trial", "is_trial", "hypothesis", "judged_by", "comparison", "comparison_detail"),
                "version",
            )
        )

    def to_data(self) -> ActionData:
        d = self.cleaned_data
        return ActionData(
            title=d["title"],
            start=d["start"],
            due=d["due"],
            questions=list(d["questions"]),
            intervention=d["intervention"],
            own_intervention=d["own_intervention"],
            owner=d["owner"],
            partner=d["partner"],
            partner_contact=d["partner_contact"],
            target=d["target"],
            budget_note=d["budget_note"],
            is_trial=d["is_trial"],
            hypothesis=d["hypothesis"],
            judged_by=d["judged_by"],
            comparison=d["comparison"] or "",
            comparison_detail=d["comparison_detail"],
        )

    @classmethod
    def initial_for(cls, action) -> dict:
        return {
            "title": action.title,
            "intervention": action.intervention_id,
            "own_intervention": action.own_intervention,
            "questions": [q.pk for q in action.questions.all()],
            "owner": action.owner_id,
            "partner": action.partner,
            "partner_contact": action.partner_contact,
            "start": action.start,
            "due": action.due,
            "target": action.target,
            "budget_note": action.budget_note,
            "is_trial": action.is_trial,
            "hypothesis": action.hypothesis,
            "judged_by": action.judged_by,
            "comparison": action.comparison,
            "comparison_detail": action.comparison_detail,
            "version": action.version,
        }


class StatusForm(_CleanText, forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label="Status")
    dropped_reason = _text("Why it is dropped", help_text="Needed when the action is dropped.")
    outcome = _text("Trial outcome", rows=3, help_text="What happened, judged the way written before the start.")
    decision = forms.ChoiceField(choices=TrialDecision.choices, required=False, label="Decision")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].error_messages["invalid_choice"] = "Choose a status from the list."
        self.fields["decision"].error_messages["invalid_choice"] = "Choose a decision from the list."
        names = ["status", "dropped_reason"]
        if action.is_trial:
            names += ["outcome", "decision"]
        else:
            del self.fields["outcome"], self.fields["decision"]
        self.helper = _helper(Layout(*names, "version"))

    def to_data(self) -> StatusData:
        d = self.cleaned_data
        return StatusData(
            status=d["status"],
            dropped_reason=d["dropped_reason"],
            outcome=d.get("outcome", ""),
            decision=d.get("decision") or "",
        )


class NoteForm(_CleanText, forms.Form):
    on = DateInputField(label="Date")
    text = _text("Progress", required=True, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["text"].error_messages["required"] = "Write what progress was made."


class PlanFilterForm(forms.Form):
    """The plan page's filters (a GET form: bad values are ignored, never an error page)."""

    scope = forms.ChoiceField(required=False, label="Scope")
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "All"), ("open", "Open (planned or in progress)"), *ActionStatus.choices],
    )

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            ("", "All scopes"),
            ("council", "Whole council"),
            *((str(s.pk), s.name) for s in council.services.all()),
        ]

    def scope_and_status(self) -> tuple[int | str | None, str]:
        if not self.is_valid():
            return "all", ""
        scope = self.cleaned_data["scope"]
        service_id = "all" if not scope else None if scope == "council" else int(scope)
        return service_id, self.cleaned_data["status"]
