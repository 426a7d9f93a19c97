"""Django's session, authentication and message middleware, kept to the pages that use them.

Only the Django admin (and the HTML API docs) use sessions, `request.user` or flash messages.
The JSON API authenticates every request with a site key (tokengate.api.auth) and the probes
need nothing, yet each of these middleware did its work on every request: about a tenth of a
millisecond of CPU per API request together. These subclasses skip themselves on the JSON
paths and behave exactly as Django's own everywhere else; being subclasses, they also satisfy
the admin's system checks. CSRF protection is untouched: CsrfViewMiddleware still runs on
every request (the API views are CSRF-exempt because they take no cookies).
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

# The machine-facing JSON endpoints: nothing under them reads a session, a user or messages.
JSON_PATHS = ("/api/v1/", "/.well-known/", "/healthz", "/readyz")


def is_json_api(request: HttpRequest) -> bool:
    """True for a request to one of the JSON endpoints (not the admin, not the HTML docs)."""
    return request.path_info.startswith(JSON_PATHS)


class _NotOnJsonApi(MiddlewareMixin):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_json_api(request):
            return self.get_response(request)  # type: ignore[return-value]
        return super().__call__(request)  # type: ignore[return-value]


class SessionMiddleware(_NotOnJsonApi, _SessionMiddleware):
    pass


class AuthenticationMiddleware(_NotOnJsonApi, _AuthenticationMiddleware):
    pass


class MessageMiddleware(_NotOnJsonApi, _MessageMiddleware):
    pass
