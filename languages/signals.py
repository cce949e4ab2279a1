from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import language_restore


@receiver(user_logged_in, dispatch_uid="languages.restore")
def _restore(sender, request, user, **kwargs) -> None:
    if request is not None:
        language_restore(request=request, user=user)
