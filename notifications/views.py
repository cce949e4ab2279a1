"""A person's own e-mail settings: which kinds of e-mail they get."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import services
from .forms import PreferencesForm
from .models import Email


@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    turned_off = services.kinds_turned_off(request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, turned_off=turned_off)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, turned_off=form.turned_off())
        messages.success(request, "Your e-mail settings are saved.")
        return redirect("notifications:settings")
    recent = Email.objects.filter(recipient=request.user).only("subject", "created_at", "sent_at", "gave_up_at")[:10]
    return render(request, "notifications/settings.html", {"form": form, "recent": recent})
