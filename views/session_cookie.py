"""The sign-in cookie: an HttpOnly cookie holding a browser session's token (services.browser_sessions), so a reload or
a new tab finds the person still signed in.

No script on a page can set or even read an HttpOnly cookie, so the server sets it, on a route the app adds beside
Streamlit's own (``ROUTES``, mounted by app.py's ``st.App``). After a sign-in, ``hand_over`` keeps the new token in this
process's memory under a one-time code valid a minute, and the next run of the page (``send_cookie``) posts that code
to the route, whose answer sets the cookie; the token itself never reaches the page. After a sign-out the page asks the
route to clear the cookie. The route answers only requests from the app's own pages (their Origin is the app's host),
so another site cannot sign a browser in to an account of its choosing. Streamlit hands the page the cookies of the
browser when a session starts (``st.context.cookies``): views/common.py looks the token up there.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from urllib.parse import urlsplit

import streamlit as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from streamlit import config

COOKIE = "plagdetect_session"
HANDOVER_SECONDS = 60.0  # how long a sign-in's code waits for its page to post it
CODE_KEY = "session_cookie_code"  # in st.session_state: the code the next run posts
CLEAR_KEY = "session_cookie_clear"  # in st.session_state: the next run asks for the cookie to go

_handovers: dict[str, tuple[str, float, float]] = {}  # code -> (token, the session's expiry, the code's deadline)
_lock = threading.Lock()


def base_path() -> str:
    """The app's path on its host: "" or "/<server.baseUrlPath>"."""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def route_path() -> str:
    return f"{base_path()}/_plagdetect/session"


def hand_over(token: str, expires_at: float) -> str:
    """A one-time code under which the route finds ``token`` (a session expiring at ``expires_at``, epoch seconds)."""
    code = secrets.token_urlsafe(24)
    now = time.time()
    with _lock:
        for old in [c for c, (_, _, deadline) in _handovers.items() if deadline <= now]:
            del _handovers[old]
        _handovers[code] = (token, expires_at, now + HANDOVER_SECONDS)
    return code


def take(code: str) -> tuple[str, float] | None:
    """The token and expiry handed over under ``code``, once, while the code is valid; else None."""
    with _lock:
        handed = _handovers.pop(code, None)
    if handed is None or handed[2] <= time.time():
        return None
    return handed[0], handed[1]


def send_cookie() -> None:
    """In a page run: post the code of a sign-in made since the last run, or ask for the cookie to go after a
    sign-out (once each)."""
    code = st.session_state.pop(CODE_KEY, None)
    clear = st.session_state.pop(CLEAR_KEY, False)
    if code is not None:
        body = json.dumps({"code": code})
        request = {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": body}
    elif clear:
        request = {"method": "DELETE"}
    else:
        return
    request["credentials"] = "same-origin"
    st.html(f"<script>fetch({json.dumps(route_path())}, {json.dumps(request)});</script>", unsafe_allow_javascript=True)


async def _session_cookie(request: Request) -> Response:
    """POST {"code": ...}: set the cookie to the session handed over under the code; DELETE: clear the cookie."""
    if not _from_the_app(request):
        return PlainTextResponse("Refused: this asks to change the sign-in of the app's own pages.", status_code=403)
    secure = request.url.scheme == "https"
    path = base_path() or "/"
    answer = Response(status_code=204)
    if request.method == "DELETE":
        answer.delete_cookie(COOKIE, path=path, secure=secure, httponly=True, samesite="strict")
        return answer
    try:
        code = (await request.json())["code"]
    except (ValueError, KeyError, TypeError):
        return PlainTextResponse('Send {"code": ...}.', status_code=400)
    handed = take(str(code))
    if handed is None:
        return PlainTextResponse("This sign-in code is unknown, used or expired: sign in again.", status_code=403)
    token, expires_at = handed
    lifetime = max(0, int(expires_at - time.time()))
    answer.set_cookie(COOKIE, token, max_age=lifetime, path=path, secure=secure, httponly=True, samesite="strict")
    return answer


def _from_the_app(request: Request) -> bool:
    """Whether the request comes from a page of this app: a browser names the page's origin, and it is this host."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


ROUTES = [Route(route_path(), _session_cookie, methods=["POST", "DELETE"])]
