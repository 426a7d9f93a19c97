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
    holdings = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per token the site's gates use: chain_id, token_address, symbol, decimals, balance (raw, "
        "a decimal string) and amount (human); both null when the balance could not be read.",
    )


class SiteOut(serializers.Serializer):  # type: ignore[type-arg]
    site_id = serializers.CharField()
    name = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField())
    gate_set_version = serializers.IntegerField()
    issuer = serializers.CharField(help_text="The `iss` of this service's access tokens.")
    chains = serializers.ListField(child=serializers.DictField())


class ErrorDetail(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)


class ErrorOut(serializers.Serializer):  # type: ignore[type-arg]
    error = ErrorDetail()


class StringField(serializers.CharField):
    """A CharField that takes only JSON strings: DRF's would turn the number 0.1 into "0.1",
    and a float in JSON has already lost the exact amount the admin meant."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class RequirementIn(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    token_address = StringField(max_length=42, min_length=42)
    minimum = StringField(
        max_length=100,
        help_text='A human amount as a JSON string, e.g. "100.5"; JSON numbers are refused.',
        error_messages={"invalid": 'Give the amount as a string, e.g. "100.5", not as a JSON number.'},
    )
    decimals = serializers.IntegerField(
        min_value=0, max_value=77, required=False, help_text="Only for tokens without decimals()."
    )


class GateIn(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200)
    teaser = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    mode = serializers.ChoiceField(choices=["all", "any"], default="all")
    requirements = serializers.ListField(child=RequirementIn(), min_length=1, max_length=10)


class GateUpdateIn(GateIn):
    slug = serializers.SlugField(max_length=64, required=False)


class RequirementOut(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField()
    token_address = serializers.CharField()
    symbol = serializers.CharField()
    token_name = serializers.CharField()
    decimals = serializers.IntegerField()
    minimum = serializers.CharField(help_text="Human amount.")
    minimum_raw = serializers.CharField(help_text="Raw integer units, as a decimal string.")


class GateOut(serializers.Serializer):  # type: ignore[type-arg]
    slug = serializers.CharField()
    name = serializers.CharField()
    teaser = serializers.CharField()
    mode = serializers.CharField()
    requirements = RequirementOut(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class GateListOut(serializers.Serializer):  # type: ignore[type-arg]
    gates = GateOut(many=True)
    gate_set_version = serializers.IntegerField()


class TokenLookupIn(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    address = serializers.CharField(max_length=42, min_length=42)


class TokenOut(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField()
    address = serializers.CharField()
    standard = serializers.CharField()
    name = serializers.CharField()
    symbol = serializers.CharField()
    decimals = serializers.IntegerField(allow_null=True)
