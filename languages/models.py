"""Each person's language, kept with their account so that it follows them to any browser."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LanguagePreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="language_preference"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _ in settings.LANGUAGES]), name="language_offered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_language_display()}"
