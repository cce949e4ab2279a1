from django.urls import path

from . import views

app_name = "languages"

urlpatterns = [
    path("language/", views.language_set, name="set"),
]
