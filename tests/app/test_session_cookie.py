"""The route that sets and clears the sign-in cookie: HttpOnly, strict same-site, only for a code handed over by a
sign-in, once, and only when asked by the app's own pages."""

from __future__ import annotations

import asyncio
import json
import time

from views.session_cookie import COOKIE, ROUTES, hand_over, route_path

APP_ORIGIN = "http://127.0.0.1:8501"


def ask(method: str, body: dict | None = None, origin: str | None = APP_ORIGIN) -> tuple[int, list[str]]:
    """The route's status and Set-Cookie headers for one request (the way the server hands it a request)."""
    headers = [(b"host", b"127.0.0.1:8501"), (b"content-type", b"application/json")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {
        "type": "http",
        "method": method,
        "path": route_path(),
        "headers": headers,
        "query_string": b"",
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }
    messages = []

    async def receive() -> dict:
        return {"type": "http.request", "body": json.dumps(body or {}).encode(), "more_body": False}

    async def send(message: dict) -> None:
        messages.append(message)

    asyncio.run(ROUTES[0].handle(scope, receive, send))
    start = messages[0]
    cookies = [value.decode() for name, value in start["headers"] if name == b"set-cookie"]
    return start["status"], cookies


def test_a_sign_ins_code_sets_an_http_only_cookie_once() -> None:
    code = hand_over("the-token", time.time() + 3600)
    status, cookies = ask("POST", {"code": code})
    assert status == 204 and len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith(f"{COOKIE}=the-token;") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 3590 <= max_age <= 3600  # it expires with the session
    assert ask("POST", {"code": code}) == (403, [])  # used


def test_another_site_cannot_set_or_clear_the_cookie() -> None:
    code = hand_over("the-token", time.time() + 3600)
    assert ask("POST", {"code": code}, origin="https://elsewhere.example") == (403, [])
    assert ask("POST", {"code": code}, origin=None) == (403, [])
    assert ask("DELETE", origin="http://127.0.0.1:9999") == (403, [])
    assert ask("POST", {"code": code})[0] == 204  # refused requests did not use the code up


def test_an_unknown_code_or_no_code_sets_nothing() -> None:
    assert ask("POST", {"code": "guessed"}) == (403, [])
    assert ask("POST", {"token": "the-token"}) == (400, [])


def test_signing_out_clears_the_cookie() -> None:
    status, cookies = ask("DELETE")
    assert status == 204 and cookies[0].startswith(f'{COOKIE}="";') and "Max-Age=0" in cookies[0]
