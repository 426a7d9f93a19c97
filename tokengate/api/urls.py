from django.urls import path

from . import views

urlpatterns = [
    path("siwe/nonce", views.NonceView.as_view(), name="siwe-nonce"),
    path("siwe/verify", views.VerifyView.as_view(), name="siwe-verify"),
    path("sessions/refresh", views.RefreshView.as_view(), name="session-refresh"),
    path("sessions/revoke", views.RevokeView.as_view(), name="session-revoke"),
    path("site", views.SiteInfoView.as_view(), name="site"),
]
