"""Request and response shapes. Input serializers only validate types and sizes; the login
rules live in tokengate.services."""

from __future__ import annotations

from rest_framework import serializers


class VerifyIn(serializers.Serializer):  # type: ignore[type-arg]
    message = serializers.CharField(trim_whitespace=False, max_length=65536)
    signature = serializers.CharField(max_length=200)


class RefreshTokenIn(serializers.Serializer):  # type: ignore[type-arg]
    refresh_token = serializers.CharField(max_length=200)


class NonceOut(serializers.Serializer):  # type: ignore[type-arg]
    nonce = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    domains = serializers.ListField(child=serializers.CharField())
    chain_ids = serializers.ListField(child=serializers.IntegerField())
    statement = serializers.CharField()
    version = serializers.CharField()


class TokensOut(serializers.Serializer):  # type: ignore[type-arg]
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Access-token lifetime in seconds.")
    refresh_token = serializers.CharField()
    refresh_expires_in = serializers.IntegerField()
    address = serializers.CharField(help_text="The EIP-55 address that signed in.")
    gates = serializers.ListField(child=serializers.CharField(), help_text="Slugs of the gates satisfied.")
    gsv = serializers.IntegerField(help_text="The site's gate-set version at issue time.")


class SiteOut(serializers.Serializer):  # type: ignore[type-arg]
    site_id = serializers.CharField()
    name = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField())
    gate_set_version = serializers.IntegerField()
    chains = serializers.ListField(child=serializers.DictField())


class ErrorDetail(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)


class ErrorOut(serializers.Serializer):  # type: ignore[type-arg]
    error = ErrorDetail()
