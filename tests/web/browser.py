"""A person at the pages, through Flask's test client: signs in, follows links, posts forms with
the CSRF token the page gave, and reads what the page says."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from tests.web.conftest import PASSWORD


class Person:
    def __init__(self, app: Flask, username: str | None = None) -> None:
        self.client = app.test_client()
        self.username = username
        self.page: TestResponse | None = None
        if username:
            self.sign_in(username)

    def token(self) -> str:
        if self.page is None or "csrf-token" not in self.page.text:
            self.page = self.client.get("/login")
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', self.page.text)
        assert found, "the page carries no CSRF token"
        return found.group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        answer = self.post("/login", {"username": username, "password": password})
        self.username = username
        self.page = None  # signing in starts a new session, with a new CSRF token
        return answer

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        self.page = self.client.get(path, **kwargs)
        return self.page

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> TestResponse:
        fields = dict(data or {})
        if csrf:
            fields.setdefault("csrf_token", self.token())
        answer = self.client.post(path, data=fields)
        if answer.status_code < 300 or answer.status_code >= 400:
            self.page = answer
        return answer

    def follow(self, answer: TestResponse) -> TestResponse:
        assert answer.status_code in (301, 302, 303), (answer.status_code, answer.text[:500])
        return self.get(answer.headers["Location"])

    def text(self) -> str:
        """What the page says, tags and spacing dropped."""
        assert self.page is not None
        body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", self.page.text, flags=re.S)
        return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()

    def flashes(self) -> list[str]:
        assert self.page is not None
        return [re.sub(r"\s+", " ", unescape(m)).strip()
                for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', self.page.text, flags=re.S)]

    def links(self, prefix: str) -> list[str]:
        assert self.page is not None
        return re.findall(rf'href="({re.escape(prefix)}[^"#?]+)"', self.page.text)
