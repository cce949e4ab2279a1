from django.urls import path

from .views import pages as views
from .views import workflow

app_name = "audits"

urlpatterns = [
    path("about/", views.about, name="about"),
    path("about/method/", views.method, name="method"),
    path("audits/", views.audit_list, name="list"),
    path("councils/<slug:council_slug>/audits/new/", views.audit_create, name="create"),
    path("councils/<slug:council_slug>/report.pdf", views.council_report, name="council-report"),
    path("councils/<slug:council_slug>/reports/", views.council_reports, name="council-reports"),
    path("councils/<slug:council_slug>/reports/<int:bundle_id>/", views.report_bundle, name="report-bundle"),
    path(
        "councils/<slug:council_slug>/reports/<int:bundle_id>/progress.json",
        views.report_bundle_progress,
        name="report-bundle-progress",
    ),
    path(
        "councils/<slug:council_slug>/reports/<int:bundle_id>/reports.zip",
        views.report_bundle_download,
        name="report-bundle-download",
    ),
    path("dashboard/", views.dashboard_picker, name="dashboard-picker"),
    path("councils/<slug:council_slug>/dashboard/", views.dashboard, name="dashboard"),
    path("councils/<slug:council_slug>/dashboard.csv", views.dashboard_csv, name="dashboard-csv"),
    path("councils/<slug:council_slug>/settings/", views.council_settings, name="council-settings"),
    path("audits/<int:pk>/", views.audit_detail, name="detail"),
    path("audits/<int:pk>/report.pdf", views.audit_report, name="report"),
    path("audits/<int:pk>/submit/", workflow.audit_submit, name="submit"),
    path("audits/<int:pk>/withdraw/", workflow.audit_withdraw, name="withdraw"),
    path("audits/<int:pk>/review/", workflow.audit_review, name="review"),
    path("audits/<int:pk>/reopen/", workflow.audit_reopen, name="reopen"),
    path("audits/<int:pk>/delete/", workflow.audit_delete, name="delete"),
    path("audits/<int:pk>/team/", workflow.audit_team, name="team"),
    path("audits/<int:pk>/history/", views.audit_history, name="history"),
    path("audits/<int:pk>/<slug:factor>/", views.audit_step, name="step"),
    path("audits/<int:pk>/<slug:factor>/autosave/", views.audit_autosave, name="autosave"),
]
