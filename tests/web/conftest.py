"""A web app on a fresh database with a simulated clock, users of every kind, and their tokens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.api import WorkflowEngine, folder_files
from tests.bpmn import BPMN_DIR
from web import create_app

PASSWORD = "correct horse battery"
PEOPLE = {
    # username: (roles, teams)
    "admin": (["admin"], []),
    "designer": (["processdesigner"], []),
    "lena": (["teamledare"], ["referral_reply"]),
    "carl": (["arbetscoach"], ["referral_reply"]),
    "cecilia": (["arbetscoach"], ["referral_reply"]),
    "otto": (["teamledare", "arbetscoach"], ["gemensamma_taget"]),
    "rita": (["remittent"], []),
    "rolf": (["remittent"], []),
}


def personnummer(birth: str, serial: str) -> str:
    """A valid number: birth YYYYMMDD, serial NNN, and the check digit computed."""
    digits = birth[2:] + serial
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{birth}-{serial}{(10 - total % 10) % 10}"


@dataclass
class Api:
    client: FlaskClient
    tokens: dict[str, str]

    def call(self, method: str, path: str, user: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, user: str | None) -> Any:
        return self.call("GET", path, user)

    def post(self, path: str, user: str | None, json: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, user, json=json, **kwargs)


@pytest.fixture
def app(database_url: str, start_of_journey: datetime, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": database_url, "SIMULATED_CLOCK": True, "CLOCK_START": start_of_journey,
                      "SECRET_KEY": "test", "TESTING": True,
                      "SANDBOX_DIR": tmp_path / "sandbox"})
    yield app
    app.extensions["samverkan.sandboxes"].close()
    app.extensions["samverkan.engine"].db.dispose()


@pytest.fixture
def api(app: Flask) -> Api:
    accounts = app.extensions["samverkan.accounts"]
    tokens = {}
    for username, (roles, teams) in PEOPLE.items():
        accounts.add_user(username, roles, teams, password=PASSWORD, display_name=username.capitalize())
        tokens[username] = accounts.create_token(username)
    return Api(app.test_client(), tokens)


@pytest.fixture
def deployed(api: Api) -> Api:
    answer = api.post("/processes", "designer", data=(BPMN_DIR / "referral_reply.bpmn").read_bytes(),
                      content_type="application/xml", json=None)
    assert answer.status_code == 201, answer.get_json()
    return api


@pytest.fixture
def people(deployed: Api, app: Flask) -> Flask:
    """The app with the referral journey deployed and everyone's accounts (the pages' tests)."""
    return app


def engine_of(app: Flask) -> WorkflowEngine:
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    return engine


@pytest.fixture
def shipped(app: Flask) -> WorkflowEngine:
    """The app's engine with processes/ deployed as `serve` deploys it (every journey, one deployment)."""
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    engine.deploy(folder_files(Path(__file__).resolve().parents[2] / "processes"), "system", keep_published=True)
    return engine


def staffed(app: Flask, people: dict[str, tuple[str, list[str], list[str]]]) -> Api:
    """The app with these users (user name → display name, roles, interventions), each with a password
    (``PASSWORD``), an e-mail address at samverkan.test and an API token."""
    accounts = app.extensions["samverkan.accounts"]
    tokens = {}
    for username, (name, roles, teams) in people.items():
        accounts.add_user(username, roles, teams, password=PASSWORD, display_name=name,
                          email=f"{username}@samverkan.test")
        tokens[username] = accounts.create_token(username)
    return Api(app.test_client(), tokens)


def walk(engine: WorkflowEngine, case_id: str, steps: Sequence[tuple[str, dict[str, Any]]], actor: str) -> None:
    """Complete each named task of the case in turn, as it opens, with its answers."""
    for element, data in steps:
        task = next(t for t in engine.case(case_id).open_tasks if t.name == element)
        engine.complete_task(task.id, data, actor)
