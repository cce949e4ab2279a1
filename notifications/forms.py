from django import forms

from .models import Kind


class PreferencesForm(forms.Form):
    """One box per kind of e-mail, ticked when the person gets it."""

    def __init__(self, *args, turned_off: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, initial=kind not in turned_off
            )

    def turned_off(self) -> list[str]:
        return [kind for kind in Kind.values if not self.cleaned_data.get(kind)]
