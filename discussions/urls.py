from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("audits/<int:pk>/comments/<slug:code>/", views.thread, name="thread"),
    path("audits/<int:pk>/comments/<slug:code>/resolve/", views.resolve, name="resolve"),
]
