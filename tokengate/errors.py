"""Domain errors. Each has a stable code and an HTTP status; the API's one exception handler
turns them into `{"error": {"code": ..., "message": ...}}`. Plain Python: the pure cores
(SIWE parsing, access tokens) raise them too."""

from __future__ import annotations


class TokenGateError(Exception):
    code = "error"
    status = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class InvalidRequest(TokenGateError):
    code = "invalid_request"
    default_message = "The request is malformed."


class PayloadTooLarge(TokenGateError):
    code = "payload_too_large"
    status = 413
    default_message = "The request body is too large."


class InvalidSiteKey(TokenGateError):
    code = "invalid_site_key"
    status = 401
    default_message = "A valid site key is required: Authorization: Bearer <site key>."


class RateLimited(TokenGateError):
    code = "rate_limited"
    status = 429
    default_message = "Too many requests; try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(TokenGateError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class ServiceUnavailable(TokenGateError):
    code = "service_unavailable"
    status = 503
    default_message = "A service dependency is unavailable; try again shortly."


# --- Login (EIP-4361) ----------------------------------------------------------------------


class InvalidMessage(TokenGateError):
    code = "invalid_message"
    default_message = "The message is not a valid EIP-4361 Sign-In-With-Ethereum message."


class InvalidSignature(TokenGateError):
    code = "invalid_signature"
    status = 401
    default_message = "The signature does not match the message's address."


class DomainMismatch(TokenGateError):
    code = "domain_mismatch"
    default_message = "The message's domain is not one of this site's domains."


class UriMismatch(TokenGateError):
    code = "uri_mismatch"
    default_message = "The message's URI does not belong to the message's domain."


class ChainUnsupported(TokenGateError):
    code = "chain_unsupported"
    default_message = "The chain id is not configured on this service."


class NonceUnknown(TokenGateError):
    code = "nonce_unknown"
    default_message = "The nonce was not issued for this site."


class NonceExpired(TokenGateError):
    code = "nonce_expired"
    default_message = "The nonce has expired; request a new one."


class NonceUsed(TokenGateError):
    code = "nonce_used"
    default_message = "The nonce has already been used; request a new one."


class IssuedAtInvalid(TokenGateError):
    code = "issued_at_invalid"
    default_message = "The message's Issued At is in the future or too old."


class MessageExpired(TokenGateError):
    code = "message_expired"
    default_message = "The message's Expiration Time has passed."


class MessageNotYetValid(TokenGateError):
    code = "message_not_yet_valid"
    default_message = "The message's Not Before time has not been reached."


# --- Sessions ------------------------------------------------------------------------------


class RefreshInvalid(TokenGateError):
    code = "refresh_invalid"
    status = 401
    default_message = "The refresh token is unknown, expired or revoked; sign in again."


class RefreshReused(TokenGateError):
    code = "refresh_reused"
    status = 401
    default_message = "The refresh token was already used; the session has been revoked. Sign in again."


# --- Chains, tokens and gates ---------------------------------------------------------------


class ChainUnavailable(TokenGateError):
    """Every RPC URL of a chain failed with a transient error (timeout, refused, 429, 5xx, garbage)."""

    code = "chain_unavailable"
    status = 503
    default_message = "The chain's RPC endpoint is unavailable; try again shortly."


class RpcCallFailed(TokenGateError):
    """The RPC answered with a JSON-RPC error that retrying will not fix (e.g. an eth_call reverted)."""

    code = "rpc_error"
    status = 502
    default_message = "The chain's RPC endpoint refused the request."


class TokenNotContract(TokenGateError):
    code = "token_not_contract"
    default_message = "There is no contract at this address on this chain."


class TokenNotErc20(TokenGateError):
    code = "token_not_erc20"
    default_message = "The contract at this address does not answer balanceOf and totalSupply as an ERC-20 does."


class DecimalsUnknown(TokenGateError):
    code = "decimals_unknown"
    default_message = "The token has no decimals(); give its decimals explicitly."


class GateExists(TokenGateError):
    code = "gate_exists"
    status = 409
    default_message = "A gate with this slug already exists on this site."
