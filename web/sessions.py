"""The browser session: a cookie sealed (encrypted and authenticated) with the hub's session key.

A session holds who signed in, when, when they were last seen and the token every form
must carry, and nothing of a case. It is stateless, as the API is, so any process behind the
load balancer opens it; it ends after the idle timeout without a request and at the absolute
limit however busy it is. Who the professional is, and whether they are still one, is read
from the graph on every request, never from the cookie.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from starlette.responses import Response

from config.settings import Settings

DEV_SESSION_KEY_FILE = "web-session.key"
# In production the __Host- prefix makes the browser refuse the cookie unless it is Secure,
# for the whole site and for this host alone, so no subdomain can plant or read it.
PRODUCTION_COOKIE = "__Host-hub-session"
DEVELOPMENT_COOKIE = "hub-session"
# A sign-in begun at the identity provider and not come back within this is abandoned.
PENDING_SIGN_IN_SECONDS = 600


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What the OpenID Connect callback must match: the state and nonce sent, and the PKCE verifier."""

    state: str
    nonce: str
    code_verifier: str
    started_at: float
    # The page of this hub to go on to once signed in.
    next: str = "/"


@dataclass(frozen=True, slots=True)
class Session:
    csrf_token: str
    started_at: float
    seen_at: float
    professional_id: str | None = None
    pending: PendingSignIn | None = None


class SessionKeyMissing(RuntimeError):
    """Browser sign-in in production needs HUB_WEB_SESSION_KEY_FILE."""


def session_key(settings: Settings) -> bytes | None:
    """The configured key; in development one made on first use. None in production without one."""
    if settings.web_session_key_file is not None:
        return settings.web_session_key_file.read_bytes().strip()
    if settings.is_production:
        return None
    directory = settings.dev_keys_dir
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / DEV_SESSION_KEY_FILE
    if not path.exists():
        # Created 0600 from the start; if another process made it first, its key is kept.
        with contextlib.suppress(FileExistsError):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(Fernet.generate_key())
    return path.read_bytes().strip()


class SessionSealer:
    def __init__(
        self, key: bytes, *, idle_seconds: float, absolute_seconds: float, secure: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fernet = Fernet(key)
        self._idle = idle_seconds
        self._absolute = absolute_seconds
        self._clock = clock
        self.secure = secure
        self.cookie_name = PRODUCTION_COOKIE if secure else DEVELOPMENT_COOKIE

    def now(self) -> float:
        return self._clock()

    def new(self) -> Session:
        now = self._clock()
        return Session(csrf_token=secrets.token_urlsafe(32), started_at=now, seen_at=now)

    def signed_in(self, professional_id: str) -> Session:
        """A fresh session for a professional: new token and times, so nothing from before sign-in
        (a token a page of someone else's could have read, a planted cookie) carries over."""
        return replace(self.new(), professional_id=professional_id)

    def open(self, sealed: str | None) -> Session | None:
        """The session the cookie holds, or None when there is none, it was not sealed with this
        key, or it has timed out."""
        if not sealed:
            return None
        try:
            raw = json.loads(self._fernet.decrypt(sealed.encode("ascii"), ttl=int(self._absolute) + 1))
            session = _session(raw)
        except (InvalidToken, UnicodeError, ValueError, TypeError, KeyError):
            return None
        now = self._clock()
        if now - session.seen_at > self._idle or now - session.started_at > self._absolute:
            return None
        pending = session.pending
        if pending is not None and now - pending.started_at > PENDING_SIGN_IN_SECONDS:
            session = replace(session, pending=None)
        return replace(session, seen_at=now)

    def seal(self, session: Session) -> str:
        raw: dict[str, Any] = {
            "csrf": session.csrf_token, "started": session.started_at, "seen": session.seen_at,
            "pid": session.professional_id,
        }
        if session.pending is not None:
            pending = session.pending
            raw["pending"] = {"state": pending.state, "nonce": pending.nonce, "verifier": pending.code_verifier,
                              "started": pending.started_at, "next": pending.next}
        return self._fernet.encrypt(json.dumps(raw, separators=(",", ":")).encode()).decode("ascii")

    def store(self, response: Response, session: Session) -> None:
        response.set_cookie(
            self.cookie_name, self.seal(session), max_age=int(self._absolute), path="/", secure=self.secure,
            httponly=True, samesite="lax",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, path="/", secure=self.secure, httponly=True, samesite="lax")


def _session(raw: dict[str, Any]) -> Session:
    pending = raw.get("pending")
    return Session(
        csrf_token=str(raw["csrf"]), started_at=float(raw["started"]), seen_at=float(raw["seen"]),
        professional_id=str(raw["pid"]) if raw.get("pid") else None,
        pending=PendingSignIn(
            state=str(pending["state"]), nonce=str(pending["nonce"]), code_verifier=str(pending["verifier"]),
            started_at=float(pending["started"]), next=str(pending.get("next") or "/"),
        ) if isinstance(pending, dict) else None,
    )
