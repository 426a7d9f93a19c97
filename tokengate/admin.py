"""Django admin: sites (with key creation and rotation), and read-only views of the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest

from .errors import InvalidRequest
from .models import Chain, Gate, GateRequirement, Holding, Nonce, RefreshSession, SigningKey, Site, Token, Wallet
from .services.chains import chains_changed
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


class ChainForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Chain
        fields = ("chain_id", "name", "rpc_urls", "multicall_address", "enabled")

    def clean_rpc_urls(self) -> list[str]:
        urls = self.cleaned_data["rpc_urls"]
        if not isinstance(urls, list) or not all(
            isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls
        ):
            raise forms.ValidationError('Give a JSON list of http(s) URLs, e.g. ["https://mainnet.base.org"].')
        return urls


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ChainForm
    list_display = ("chain_id", "name", "enabled", "multicall_address", "updated_at")

    def save_model(self, request: HttpRequest, obj: Chain, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        chains_changed()

    def delete_model(self, request: HttpRequest, obj: Chain) -> None:
        super().delete_model(request, obj)
        chains_changed()


@admin.register(Token)
class TokenAdmin(ReadOnlyAdmin):
    list_display = ("symbol", "name", "chain_id", "address", "decimals", "decimals_source", "looked_up_at")
    search_fields = ("symbol", "name", "address")
    list_filter = ("chain_id",)


class GateRequirementInline(admin.TabularInline):  # type: ignore[type-arg]
    model = GateRequirement
    extra = 0
    fields = ("token", "minimum", "position")


def _bump(site_id: int) -> None:
    Site.objects.filter(pk=site_id).update(gate_set_version=F("gate_set_version") + 1)


@admin.register(Gate)
class GateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("slug", "name", "site", "mode", "updated_at")
    list_filter = ("site",)
    search_fields = ("slug", "name")
    inlines = (GateRequirementInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _bump(form.instance.site_id)  # every gate change bumps the site's gate-set version

    def delete_model(self, request: HttpRequest, obj: Gate) -> None:
        site_id = obj.site_id
        super().delete_model(request, obj)
        _bump(site_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Gate]) -> None:
        site_ids = set(queryset.values_list("site_id", flat=True))
        super().delete_queryset(request, queryset)
        for site_id in site_ids:
            _bump(site_id)


@admin.register(Holding)
class HoldingAdmin(ReadOnlyAdmin):
    list_display = ("wallet", "token", "balance", "block_number", "checked_at", "stale", "error")
    list_filter = ("stale", "token")
    search_fields = ("wallet__address",)
