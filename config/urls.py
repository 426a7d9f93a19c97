from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from tokengate.api import views

_public = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tokengate.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(**_public), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", **_public), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", **_public), name="redoc"),
    path(".well-known/jwks.json", views.JwksView.as_view(), name="jwks"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

handler400 = "tokengate.api.errors.bad_request"
handler404 = "tokengate.api.errors.not_found"
handler500 = "tokengate.api.errors.server_error"
