from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("audits/<int:pk>/actions/new/", views.action_new, name="new"),
    path("councils/<slug:council_slug>/plan/", views.plan, name="plan"),
    path("councils/<slug:council_slug>/plan.csv", views.plan_csv, name="plan-csv"),
    path("actions/mine/", views.mine, name="mine"),
    path("actions/<int:action_id>/", views.detail, name="detail"),
    path("actions/<int:action_id>/edit/", views.edit, name="edit"),
    path("actions/<int:action_id>/status/", views.status, name="status"),
    path("actions/<int:action_id>/notes/", views.note, name="note"),
]
