"""OAuth2 authorization code with PKCE (S256), as Xero's desktop apps do it (docs/xero-facts.md §4.2, §4.3, §4.6).

The app builds the authorize URL and exchanges the code itself: the SDK has neither.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from xero_python.api_client import ApiClient

from invoice_desktop.config import XeroEndpoints
from invoice_desktop.xero.client import PkceTokenApi, TokenEndpointError, TokenSet, XeroInterfaceError

# Apps created since 2 March 2026 must ask for granular scopes; accounting.transactions is refused for them.
GRANULAR_SCOPES: tuple[str, ...] = (
    "offline_access",
    "accounting.invoices",
    "accounting.payments",
    "accounting.contacts",
    "accounting.settings.read",
    "openid",
    "profile",
    "email",
)
# Older apps (setting xero.broad_scopes) may still use the broad scopes until September 2027.
BROAD_SCOPES: tuple[str, ...] = (
    "offline_access",
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings",
    "openid",
    "profile",
    "email",
)

VERIFIER_ALPHABET = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


class AuthError(XeroInterfaceError):
    """Signing in to Xero did not complete; the message says why, in words for the user."""


def scopes_for(broad: bool) -> tuple[str, ...]:
    return BROAD_SCOPES if broad else GRANULAR_SCOPES


def new_code_verifier() -> str:
    """86 characters of [A-Za-z0-9-_] (a subset of the allowed -._~ alphabet), from 64 random bytes."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    if not VERIFIER_ALPHABET.match(verifier):
        raise ValueError("a PKCE code verifier is 43-128 characters of A-Z a-z 0-9 - . _ ~")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class AuthorizationRequest:
    """One sign-in attempt: the URL for the browser and what must come back with the code."""

    url: str
    state: str
    code_verifier: str
    redirect_uri: str
    scopes: tuple[str, ...]

    def __repr__(self) -> str:  # the verifier is a secret until the code is exchanged
        return f"AuthorizationRequest(redirect_uri={self.redirect_uri!r}, scopes={self.scopes!r})"


def authorization_request(
    endpoints: XeroEndpoints,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...] = GRANULAR_SCOPES,
    state: str | None = None,
) -> AuthorizationRequest:
    """A fresh verifier and challenge; `state` is new unless given (the callback listener may need it first)."""
    verifier = new_code_verifier()
    state = state or new_state()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return AuthorizationRequest(
        url=f"{endpoints.authorize}?{query}",
        state=state,
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        scopes=scopes,
    )


def exchange_code(
    api_client: ApiClient, endpoints: XeroEndpoints, client_id: str, request: AuthorizationRequest, code: str
) -> TokenSet:
    """POST grant_type=authorization_code&client_id&code&redirect_uri&code_verifier to the token endpoint."""
    try:
        data = PkceTokenApi(api_client, client_id, endpoints).exchange_code(
            code, request.redirect_uri, request.code_verifier
        )
    except TokenEndpointError as exc:
        raise AuthError(_exchange_message(exc.error)) from exc
    tokens = TokenSet.from_response(data, time.time())
    if not tokens.access_token:
        raise AuthError("Xero's sign-in service answered without an access token.")
    if not tokens.refresh_token:
        raise AuthError("Xero did not grant offline access (no refresh token), so the connection could not be kept.")
    return tokens


def _exchange_message(error: str) -> str:
    if error == "invalid_grant":
        return "Xero did not accept the sign-in code (invalid_grant): it expired or was already used. Try again."
    if error in {"invalid_client", "unauthorized_client"}:
        return (
            f"Xero does not recognise this app ({error}). Check the client id, that the app uses "
            "'Auth Code with PKCE', and its scopes (apps created before March 2026 may need the broad scopes)."
        )
    return f"Xero refused the sign-in ({error})."
