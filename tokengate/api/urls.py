from django.urls import path

from . import gates, views

urlpatterns = [
    path("siwe/nonce", views.NonceView.as_view(), name="siwe-nonce"),
    path("siwe/verify", views.VerifyView.as_view(), name="siwe-verify"),
    path("sessions/refresh", views.RefreshView.as_view(), name="session-refresh"),
    path("sessions/revoke", views.RevokeView.as_view(), name="session-revoke"),
    path("site", views.SiteInfoView.as_view(), name="site"),
    path("gates", gates.GateListView.as_view(), name="gates"),
    path("gates/<slug:slug>", gates.GateDetailView.as_view(), name="gate"),
    path("tokens/lookup", gates.TokenLookupView.as_view(), name="token-lookup"),
]
