"""Forms: layout and validation only. Saving is done by audits.services."""

from __future__ import annotations

import functools

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.functional import cached_property
from django.utils.html import format_html

from . import fingerprints, services
from .factors import FACTOR_ORDER, Factor
from .models import Answer, AuditStatus, Confidence, Question, Service
from .permissions import council_workers
from .scoring import BANDS
from .selectors import LIST_ORDERS
from .validators import MAX_LINKS, MAX_NOTES, clean_evidence_links, reject_control_characters

DONT_KNOW = "dk"


class DateInputField(forms.DateField):
    """A date, picked in the browser's date input: it shows and sends ISO dates, whatever the
    page's language; anything else typed is refused with an example."""

    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": "Give a date as day, month and year, e.g. 31/01/2027."})
        super().__init__(**kwargs)


class LimitedTextField(forms.CharField):
    """Text with a length limit that is checked, never enforced by cutting: the browser gets no
    ``maxlength`` (which drops what is pasted past it, silently) but ``data-max-chars``, which
    static/js/char-counter.js turns into a counter; over-long text is refused with a message
    beside the field and stays in it."""

    def __init__(self, *, max_length: int, **kwargs):
        self.limit = max_length  # before the widget is set up, which asks widget_attrs
        super().__init__(**kwargs)
        self.validators.append(
            MaxLengthValidator(
                max_length,
                message="This can be at most %(limit_value)d characters; it has %(show_value)d. "
                "Shorten it (nothing was cut): the whole text is still here.",
            )
        )

    def widget_attrs(self, widget):
        return super().widget_attrs(widget) | {"data-max-chars": str(self.limit)}


def _no_form_tag_helper(layout: Layout | None = None) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout is not None:
        helper.layout = layout
    return helper


class AnswerForm(forms.Form):
    """One question of a factor step. Prefixed with the question's code."""

    rating = forms.ChoiceField(widget=forms.RadioSelect, required=False, label="Rating")
    confidence = forms.ChoiceField(
        choices=[("", "Not set"), *Confidence.choices],
        required=False,
        label="How confident are you in this rating?",
    )
    evidence_notes = LimitedTextField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_NOTES,
        validators=[reject_control_characters],
        label="Evidence notes",
        help_text="What the rating rests on: data, documents, records, who you asked.",
    )
    evidence_links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        required=False,
        validators=[reject_control_characters],
        label="Evidence links",
        help_text=f"Web addresses of documents or data, one per line (up to {MAX_LINKS}).",
    )

    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, question: Question, answer: Answer | None = None, **kwargs):
        self.question = question
        self.answer = answer
        initial = {"loaded": fingerprints.fingerprint(services.answer_values(answer))}
        if answer is not None:
            initial |= {
                "rating": DONT_KNOW if answer.dont_know else (str(answer.rating) if answer.rating else ""),
                "confidence": answer.confidence,
                "evidence_notes": answer.evidence_notes,
                "evidence_links": answer.evidence_links,
            }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, prefix=question.code, **kwargs)
        self.fields["rating"].choices = rating_choices(tuple(text for _, text in question.levels))
        self.fields["rating"].label = f"Rating for {question.code}"

    @cached_property
    def helper(self) -> FormHelper:
        """The layout, built when the form is shown (a saved form is only validated)."""
        return _no_form_tag_helper(
            Layout(
                Field("loaded"),
                Field("rating"),
                Div(
                    Div(Field("evidence_notes"), css_class="col-md-7"),
                    Div(Field("evidence_links"), Field("confidence"), css_class="col-md-5"),
                    css_class="row",
                ),
            )
        )

    def clean_evidence_links(self) -> str:
        return clean_evidence_links(self.cleaned_data["evidence_links"])

    def carried(self) -> bool:
        """Does the request carry any field of this answer? One that carries none leaves it as it is."""
        return any(self.add_prefix(name) in self.data for name in self.fields)

    def given(self) -> frozenset[str]:
        """The answer's fields that the request carries (a rating control sets rating and "don't know")."""
        # Each form field sets one group of the answer's fields (the rating control: rating and "don't know").
        return frozenset(
            name for group in fingerprints.FIELD_GROUPS if self.add_prefix(group[0]) in self.data for name in group
        )

    def is_touched(self) -> bool:
        """Did the officer change this answer from what the page loaded? (valid forms only)"""
        if not self.carried():
            return False
        data = self.to_data()
        return fingerprints.changed_fields(services.answer_values(data), data.given, data.loaded)

    def to_data(self) -> services.AnswerData:
        rating = self.cleaned_data["rating"]
        loaded = self.cleaned_data["loaded"]
        return services.AnswerData(
            question_id=self.question.pk,
            rating=int(rating) if rating and rating != DONT_KNOW else None,
            dont_know=rating == DONT_KNOW,
            confidence=self.cleaned_data["confidence"],
            evidence_notes=self.cleaned_data["evidence_notes"].strip(),
            evidence_links=self.cleaned_data["evidence_links"],
            given=self.given(),
            # Absent: a request that says nothing of what it loaded (checked by version instead).
            loaded=loaded if self.add_prefix("loaded") in self.data else None,
        )


@functools.lru_cache(maxsize=512)
def rating_choices(levels: tuple[str, ...]) -> list[tuple[str, str]]:
    """A question's rating choices: its four level descriptors, then "don't know"."""
    return [
        *(
            (str(level), format_html("<strong>{} – {}.</strong> {}", level, band.label, text))
            for level, (text, band) in enumerate(zip(levels, BANDS, strict=True), start=1)
        ),
        (DONT_KNOW, format_html("<strong>Don't know.</strong> {}", "No evidence either way: a gap to fill.")),
    ]


class StepForm(forms.Form):
    """The audit version the officer loaded, to detect concurrent edits."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AuditCreateForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="The council as a whole",
        label="Scope",
        help_text="Audit the whole council, or one of its services.",
    )
    period = forms.ChoiceField(
        label="Period",
        help_text="The financial year (April to March) the audit covers.",
    )

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = council.services.all()
        current = services.current_period()
        self.fields["period"].choices = [
            (p, f"{p} (this year)" if p == current else p) for p in services.period_choices()
        ]
        self.fields["period"].initial = current
        self.helper = _no_form_tag_helper()


class ReviewForm(forms.Form):
    APPROVE, RETURN = "approve", "return"

    decision = forms.ChoiceField(choices=[(APPROVE, "Approve"), (RETURN, "Return to officers")])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = LimitedTextField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_NOTES,
        validators=[reject_control_characters],
        label="Comment for the officers",
        help_text="Required when you return the audit: say what should change.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_form_tag_helper(Layout(Field("version"), Field("comment")))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say what the officers should change before you return the audit.")
        return cleaned


class ReopenForm(forms.Form):
    reason = LimitedTextField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_NOTES,
        validators=[reject_control_characters],
        label="Why reopen this audit?",
        help_text="Officers see this on the new revision; it is also kept in the history.",
        error_messages={"required": "Say why the audit is reopened."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_form_tag_helper(Layout(Field("reason")))


class DashboardFilterForm(forms.Form):
    period = forms.CharField(required=False, max_length=7, label="Period")
    service = forms.ModelChoiceField(queryset=None, required=False, empty_label="All services", label="Service")

    def __init__(self, *args, council, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = council.services.all()

    def clean_period(self) -> str:
        period = self.cleaned_data["period"]
        return services.validate_period(period) if period else ""


class CouncilSettingsForm(forms.Form):
    benchmark_opt_in = forms.BooleanField(
        required=False,
        label="Share this council's factor scores, without its name, for benchmarking",
        help_text="Councils that opt in see the spread of scores across all councils that opted in "
        "(shown only when at least five take part). No council is ever named or ranked.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_form_tag_helper()


def errors_onto(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: each message beside its field (or above the form
    when the field is not on it)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class LeadForm(forms.Form):
    """Who leads the audit, and which colleague answers each factor (none: the whole team)."""

    lead = forms.ModelChoiceField(queryset=None, label="Lead officer", empty_label=None)

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, **kwargs)
        people = council_workers(audit.council_id)
        label = lambda u: u.get_full_name() or u.get_username()  # noqa: E731
        self.fields["lead"].queryset = people
        self.fields["lead"].label_from_instance = label
        self.fields["lead"].initial = audit.lead_id
        if audit.lead_id and not people.filter(pk=audit.lead_id).exists():
            # The lead left the council or their account was closed: nobody is chosen for them.
            self.fields["lead"].empty_label = "Choose a new lead"
            self.fields["lead"].initial = None
            self.fields["lead"].help_text = "The audit's lead is no longer an officer or manager of this council."
        given = {a.factor: a.user_id for a in audit.assignments.all()}
        for factor in FACTOR_ORDER:
            field = forms.ModelChoiceField(
                queryset=people, required=False, label=Factor(factor).label, empty_label="The whole team"
            )
            field.label_from_instance = label
            field.initial = given.get(factor)
            self.fields[f"factor_{factor}"] = field
        self.helper = _no_form_tag_helper()

    def assignments(self) -> dict:
        return {name.removeprefix("factor_"): v for name, v in self.cleaned_data.items() if name.startswith("factor_")}


class AuditListForm(forms.Form):
    """The audit list's search, filters and order; anything unknown is ignored, never an error."""

    q = forms.CharField(required=False, max_length=100, label="Search", help_text="Service, period, council or lead")
    status = forms.ChoiceField(required=False, label="Status")
    period = forms.ChoiceField(required=False, label="Period")
    council = forms.ModelChoiceField(
        queryset=None, required=False, label="Council", empty_label="All your councils", to_field_name="slug"
    )
    service = forms.ModelChoiceField(queryset=None, required=False, label="Service", empty_label="All services")
    mine = forms.BooleanField(required=False, label="I lead")
    assigned = forms.BooleanField(required=False, label="Assigned to me")
    sort = forms.ChoiceField(required=False, label="Order")

    def __init__(self, *args, councils, periods, many_councils: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "All statuses"), *AuditStatus.choices]
        # A callable: the periods are read only when the form is drawn (the list caches it).
        self.fields["period"].choices = lambda: [("", "All periods"), *((p, p) for p in periods())]
        self.fields["council"].queryset = councils
        services = Service.objects.filter(council__in=councils).select_related("council")
        self.fields["service"].queryset = services
        if many_councils:
            self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.council.name})"
        self.fields["sort"].choices = [(key, label) for key, (label, _) in LIST_ORDERS.items()]

    def filters(self) -> dict:
        """The valid filters; a field with a bad value (an old link, a hand-typed address) is dropped."""
        if self.is_valid():
            return self.cleaned_data
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
