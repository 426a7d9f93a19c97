"""The one place errors become HTTP responses: `{"error": {"code": ..., "message": ...}}`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from ..errors import PayloadTooLarge, RateLimited, ServiceUnavailable, TokenGateError

logger = logging.getLogger("tokengate.errors")

_DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ParseError: "invalid_request",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.NotFound: "not_found",
    drf.PermissionDenied: "forbidden",
    drf.NotAuthenticated: "invalid_site_key",
    drf.AuthenticationFailed: "invalid_site_key",
    drf.Throttled: "rate_limited",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _first_message(detail: Any) -> tuple[str | None, str]:
    """The first field and message of a DRF validation error's nested detail."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner_field, message = _first_message(value)
            name = str(field) if field != "non_field_errors" else None  # list items have int keys
            return (f"{name}.{inner_field}" if name and inner_field else name or inner_field), message
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return None, str(detail)


def _response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=status, headers=headers)
    response.tokengate_error_code = body["error"]["code"]  # type: ignore[attr-defined]
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    if isinstance(exc, DatabaseError):
        logger.error("database unavailable", extra={"error": type(exc).__name__})
        exc = ServiceUnavailable("The database is unavailable; try again shortly.")

    if isinstance(exc, TokenGateError):
        extra: dict[str, Any] = {"field": exc.field} if exc.field else {}
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if exc.status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="tokengate"'}
        return _response(exc.status, error_body(exc.code, exc.message, **extra), headers)

    if isinstance(exc, drf.ValidationError):
        field, message = _first_message(exc.detail)
        details = {"field": field, "fields": exc.detail} if field else {}
        text = f"{field}: {message}" if field else message
        return _response(400, error_body("invalid_request", text, **details))
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        exc = drf.ParseError("The request was refused as malformed.")
    if isinstance(exc, drf.APIException):
        code = next((code for kind, code in _DRF_CODES.items() if isinstance(exc, kind)), "invalid_request")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        headers = {"WWW-Authenticate": 'Bearer realm="tokengate"'} if exc.status_code == 401 else None
        return _response(exc.status_code, error_body(code, str(message)), headers)
    return None  # a bug: Django's handler500 answers with JSON and the traceback is logged


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    response = JsonResponse(error_body(code, message), status=status)
    response.tokengate_error_code = code  # type: ignore[attr-defined]
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error("not_found", "Not found.", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error("internal_error", "An unexpected error occurred.", 500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error("invalid_request", "The request was refused as malformed.", 400)
