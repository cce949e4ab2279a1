"""Forms of the perspectives pages. Every field has a limit and a message a person can act on;
the rules about state live in ``perspectives.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from audits.forms import DateInputField, LimitedTextField
from audits.models import Question

from . import services
from .models import PerspectiveKind
from .services import RatingData, TallyData

INVITED_KINDS = [(k, label) for k, label in PerspectiveKind.choices if k != PerspectiveKind.COUNCILLORS]
DONT_KNOW = "dk"


def _end_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


class ExpiryField(DateInputField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Link valid until",
            help_text=f"The link stops working at the end of this day (at most {services.MAX_LINK_DAYS} days ahead), "
            "or when the audit is approved.",
            **kwargs,
        )


class _LinkForm(forms.Form):
    """A form that sets a link's last day (its ``expires_on`` field)."""

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        return _end_of_day(day) if day else None


class InvitationForm(_LinkForm):
    name = LimitedTextField(
        max_length=services.NAME_MAX,
        label="Name of the organisation or group",
        help_text="Shown to the council's members only, never in public outputs.",
    )
    kind = forms.ChoiceField(label="Kind", choices=INVITED_KINDS, initial=PerspectiveKind.COMMUNITY)
    respondents = forms.IntegerField(
        label="Number of people answering together",
        min_value=1,
        max_value=services.MAX_RESPONDENTS,
        initial=1,
    )
    expires_on = ExpiryField()
    email = forms.EmailField(
        label="E-mail the link to (optional)",
        required=False,
        max_length=254,
        help_text="You can also copy the link from the next page and send it yourself.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=settings.PERSPECTIVE_LINK_DAYS)
        # Read here, not when the module loads, so that the setting in force is the one shown.
        self.fields["respondents"].help_text = (
            "A resident group's answers are shown only from "
            f"{settings.PERSPECTIVE_MIN_GROUP} people, so that no one's view can be picked out."
        )


class NewLinkForm(_LinkForm):
    expires_on = ExpiryField(required=False)
    email = forms.EmailField(label="E-mail the new link to (optional)", required=False, max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].help_text = (
            f"Leave empty to keep the current date, or {settings.PERSPECTIVE_LINK_DAYS} days from today if that is "
            "later. The link also closes when the audit is approved."
        )


class CouncillorsForm(forms.Form):
    councillors = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Councillors to ask",
        error_messages={
            "required": "Tick at least one councillor.",
            "invalid_choice": "That is not one of this council's councillors.",
            "invalid_pk_value": "That is not one of this council's councillors.",
        },
    )

    def __init__(self, *args, councillors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["councillors"].queryset = councillors
        self.fields["councillors"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class WorkshopForm(forms.Form):
    name = LimitedTextField(
        max_length=services.NAME_MAX,
        label="Name of the group",
        help_text="For example “Riverside residents' panel, 12 March”. Shown to the council's members only.",
    )
    kind = forms.ChoiceField(label="Kind", choices=INVITED_KINDS, initial=PerspectiveKind.RESIDENTS)
    participants = forms.IntegerField(label="Number of participants", min_value=1, max_value=services.MAX_RESPONDENTS)


class WorkshopHeaderForm(forms.Form):
    name = LimitedTextField(max_length=services.NAME_MAX, label="Name of the group")
    participants = forms.IntegerField(label="Number of participants", min_value=1, max_value=services.MAX_RESPONDENTS)


def level_choices(question: Question) -> list[tuple[str, str]]:
    return [*((str(n), text) for n, text in question.levels), (DONT_KNOW, "Don't know")]


class RatingForm(forms.Form):
    """One question, as a respondent answers it: a level, "don't know", and a comment.

    The page carries each field's value as it was shown (``initial-…``, show_hidden_initial),
    so that a page saved whole changes only what was changed on it, not answers saved since
    through another page (has_changed)."""

    choice = forms.ChoiceField(required=False, widget=forms.RadioSelect, show_hidden_initial=True)
    comment = LimitedTextField(
        max_length=services.COMMENT_MAX,
        required=False,
        label="Comment (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        show_hidden_initial=True,
    )

    def __init__(self, *args, question: Question, initial_answer=None, **kwargs):
        self.question = question
        if initial_answer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "choice": DONT_KNOW if initial_answer.dont_know else (str(initial_answer.rating or "")),
                    "comment": initial_answer.comment,
                },
            )
        super().__init__(*args, prefix=question.code, **kwargs)
        self.fields["choice"].choices = level_choices(question)
        self.fields["choice"].label = question.prompt
        self.fields["choice"].error_messages["invalid_choice"] = "Choose one of the four levels, or “Don't know”."

    def to_data(self) -> RatingData:
        choice = self.cleaned_data.get("choice") or ""
        return RatingData(
            rating=int(choice) if choice and choice != DONT_KNOW else None,
            dont_know=choice == DONT_KNOW,
            comment=self.cleaned_data.get("comment") or "",
        )


@dataclass(frozen=True)
class RatingRow:
    """One question of a rating page as shown: its answer, what the page last saved (the
    ``initial-…`` fields) and any message. Built from the saved answer to show the page, from a
    refused form to show it again; rendered by the ``rating_fieldset`` tag (36 questions of
    five choices each: the page is built in Python, not the template language, to stay fast)."""

    question: Question
    choice: str = ""
    comment: str = ""
    initial_choice: str = ""
    initial_comment: str = ""
    errors: tuple[str, ...] = ()

    @classmethod
    def of_answer(cls, question: Question, answer=None) -> RatingRow:
        if answer is None:
            return cls(question)
        choice = DONT_KNOW if answer.dont_know else str(answer.rating or "")
        return cls(question, choice, answer.comment, choice, answer.comment)

    @classmethod
    def of_form(cls, form: RatingForm) -> RatingRow:
        data = form.data
        return cls(
            form.question,
            data.get(form.add_prefix("choice"), ""),
            data.get(form.add_prefix("comment"), ""),
            data.get(form.add_initial_prefix(form.add_prefix("choice")), ""),
            data.get(form.add_initial_prefix(form.add_prefix("comment")), ""),
            tuple(e for errors in form.errors.values() for e in errors),
        )


class TallyForm(forms.Form):
    """One question of a workshop: how many participants chose each level."""

    rated_1 = forms.IntegerField(min_value=0, max_value=services.MAX_RESPONDENTS, required=False, label="1")
    rated_2 = forms.IntegerField(min_value=0, max_value=services.MAX_RESPONDENTS, required=False, label="2")
    rated_3 = forms.IntegerField(min_value=0, max_value=services.MAX_RESPONDENTS, required=False, label="3")
    rated_4 = forms.IntegerField(min_value=0, max_value=services.MAX_RESPONDENTS, required=False, label="4")
    dont_know = forms.IntegerField(min_value=0, max_value=services.MAX_RESPONDENTS, required=False, label="Don't know")
    comment = LimitedTextField(
        max_length=services.COMMENT_MAX,
        required=False,
        label="What the group said (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    COUNTS = ("rated_1", "rated_2", "rated_3", "rated_4", "dont_know")

    def __init__(self, *args, question: Question, tally=None, **kwargs):
        self.question = question
        if tally is not None:
            kwargs.setdefault(
                "initial", {name: getattr(tally, name) or None for name in self.COUNTS} | {"comment": tally.comment}
            )
        super().__init__(*args, prefix=question.code, **kwargs)
        for name in self.COUNTS:
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "form-control form-control-sm"})
            self.fields[name].error_messages.update(
                {"invalid": "Give a whole number.", "min_value": "Counts cannot be negative."}
            )

    def to_data(self) -> TallyData:
        n = [self.cleaned_data.get(name) or 0 for name in self.COUNTS]
        return TallyData(tuple(n[:4]), n[4], self.cleaned_data.get("comment") or "")


class NoteForm(forms.Form):
    question = forms.CharField(max_length=10, widget=forms.HiddenInput)
    note = LimitedTextField(
        max_length=services.NOTE_MAX,
        label="Officers' note",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the officers' rating stands, or what you will check. It goes into the audit's history.",
    )
