from django import forms
from django.contrib.auth import get_user_model

from audits.forms import LimitedTextField
from audits.models import Membership, Role
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
        colleagues = Membership.objects.filter(
            council_id=audit.council_id, role__in=[Role.OFFICER, Role.MANAGER]
        ).exclude(user=user)
        field = self.fields["to"]
        field.queryset = (
            get_user_model()
            .objects.filter(pk__in=colleagues.values("user_id"))
            .order_by("first_name", "last_name", "username")
        )
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()
