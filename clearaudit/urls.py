from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.views.generic import RedirectView

from .login import LoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="audits:list", permanent=False)),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # Before audits: its "audits/<pk>/<factor>/" would otherwise take "audits/<pk>/perspectives/" and "audits/<pk>/actions/".
    path("", include("perspectives.urls")),
    path("", include("actions.urls")),
    path("", include("notifications.urls")),
    path("", include("discussions.urls")),
    path("", include("languages.urls")),
    path("", include("audits.urls")),
]
