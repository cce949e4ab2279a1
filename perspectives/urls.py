from django.urls import path

from . import views

app_name = "perspectives"

urlpatterns = [
    path("audits/<int:pk>/perspectives/", views.overview, name="overview"),
    path("audits/<int:pk>/perspectives/notes/", views.note, name="note"),
    path("audits/<int:pk>/perspectives/invite/", views.invite, name="invite"),
    path("audits/<int:pk>/perspectives/invitations/<int:invitation_id>/", views.invitation, name="invitation"),
    path(
        "audits/<int:pk>/perspectives/invitations/<int:invitation_id>/new-link/",
        views.invitation_new_link,
        name="invitation-new-link",
    ),
    path(
        "audits/<int:pk>/perspectives/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("audits/<int:pk>/perspectives/mine/", views.rate, name="rate"),
    path("audits/<int:pk>/perspectives/councillors/", views.councillors, name="councillors"),
    path("audits/<int:pk>/perspectives/workshops/new/", views.workshop_new, name="workshop-new"),
    path("audits/<int:pk>/perspectives/workshops/<int:perspective_id>/", views.workshop, name="workshop"),
    # The one page someone with an invitation link reaches, without an account.
    path("respond/<str:token>/", views.respond, name="respond"),
]
