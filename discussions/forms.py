from django import forms

from audits.forms import LimitedTextField
from audits.permissions import council_workers
from audits.validators import MAX_NOTES, reject_control_characters


class CommentForm(forms.Form):
    body = LimitedTextField(
        label="Your comment",
        max_length=MAX_NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[reject_control_characters],
    )
    to = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Ask a colleague to reply (optional)",
        empty_label="Nobody in particular",
        help_text="They are told by e-mail, and the comment waits for them under “Needs your action”.",
    )

    def __init__(self, *args, audit, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        field.queryset = council_workers(audit.council_id).exclude(pk=user.pk)
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
