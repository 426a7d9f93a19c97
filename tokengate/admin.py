"""Django admin: sites (with key creation and rotation), and read-only views of the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .errors import InvalidRequest
from .models import Nonce, RefreshSession, SigningKey, Site, Wallet
from .services.sites import new_key, normalise_domains, site_rotate_key


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SiteForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Site
        fields = ("name", "domains", "is_active")
        help_texts = {"domains": 'A JSON list of host names readers sign in on, e.g. ["blog.example"].'}

    def clean_domains(self) -> list[str]:
        domains = self.cleaned_data["domains"]
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            raise forms.ValidationError('Give a JSON list of host names, e.g. ["blog.example"].')
        try:
            return normalise_domains(domains)
        except InvalidRequest as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = SiteForm
    list_display = ("name", "public_id", "domains", "gate_set_version", "is_active", "created_at")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "api_key_id", "gate_set_version", "created_at", "updated_at")
    fields = ("name", "domains", "is_active", *readonly_fields)
    actions = ("rotate_key",)

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        if not change:
            api_key, obj.api_key_id, obj.api_key_hash = new_key()
            messages.warning(request, f"The site's API key, shown this once: {api_key}")
        super().save_model(request, obj, form, change)

    @admin.action(description="Rotate the API key of the selected sites")
    def rotate_key(self, request: HttpRequest, queryset: QuerySet[Site]) -> None:
        for site in queryset:
            messages.warning(request, f"New API key for {site.name}, shown this once: {site_rotate_key(site=site)}")


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "status", "created_at", "retired_at")
    fields = ("kid", "status", "created_at", "retired_at")


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("address", "created_at")
    search_fields = ("address",)


@admin.register(Nonce)
class NonceAdmin(ReadOnlyAdmin):
    list_display = ("site", "issued_at", "expires_at", "used_at")
    fields = ("site", "issued_at", "expires_at", "used_at")
    list_filter = ("site",)


@admin.register(RefreshSession)
class RefreshSessionAdmin(ReadOnlyAdmin):
    list_display = ("wallet", "site", "family", "created_at", "expires_at", "rotated_at", "revoked_at")
    fields = ("wallet", "site", "family", "created_at", "expires_at", "rotated_at", "revoked_at")
    list_filter = ("site",)
