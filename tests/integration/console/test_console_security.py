"""The console's guards, without a browser: loopback by default, a token beyond it, its own Host only, a form
token on every POST; and the execution store's filters it lists with."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from familyplus import bootstrap
from familyplus_local.console.app import create_console
from familyplus_local.console.backend import LocalConsoleBackend
from familyplus_local.console.server import ConsoleSecurityError, allowed_hosts, check_binding
from familyplus_local.runtime.runner import LocalRunner
from tests.e2e.browser.fixtures import populate


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRunner]:
    built, _ = populate(tmp_path_factory.mktemp("console") / "data")
    yield built
    bootstrap.install(None)


@pytest.fixture
def backend(runner: LocalRunner) -> Iterator[LocalConsoleBackend]:
    made = LocalConsoleBackend(runner)
    yield made
    made.close()


def test_binding_beyond_loopback_needs_a_token() -> None:
    check_binding("127.0.0.1", None)
    check_binding("::1", None)
    check_binding("localhost", None)
    with pytest.raises(ConsoleSecurityError, match=r"0\.0\.0\.0, beyond this machine, without a token"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "s3cret")


def test_cli_console_refuses_to_start_beyond_loopback_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from familyplus_local.cli import app

    monkeypatch.delenv("FAMILYPLUS_CONSOLE_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["console", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "without a token" in result.output


def test_a_token_is_required_and_set_as_a_cookie(backend: LocalConsoleBackend) -> None:
    client = TestClient(create_console(backend, token="s3cret"))
    assert client.get("/executions").status_code == 401
    assert client.get("/executions?token=wrong").status_code == 401
    first = client.get("/executions?token=s3cret&status=FAILED", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/executions?status=FAILED"
    assert client.get("/executions?status=FAILED").status_code == 200  # the cookie now
    bearer = TestClient(create_console(backend, token="s3cret"))
    assert bearer.get("/tasks", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_other_hosts_are_refused(backend: LocalConsoleBackend) -> None:
    client = TestClient(create_console(backend, allowed_hosts=allowed_hosts("127.0.0.1", 8788)))
    assert client.get("/tasks", headers={"host": "127.0.0.1:8788"}).status_code == 200
    assert client.get("/tasks", headers={"host": "localhost:8788"}).status_code == 200
    assert client.get("/tasks", headers={"host": "evil.example:8788"}).status_code == 421


def test_a_post_without_the_pages_form_token_is_refused(backend: LocalConsoleBackend, runner: LocalRunner) -> None:
    client = TestClient(create_console(backend))
    assert client.post("/executions/response-bad/redrive", data={}).status_code == 403
    page = client.get("/executions/response-bad").text
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    refused = client.post("/executions/response-ok/stop", data={"form_token": token.group(1)})
    assert refused.status_code == 409 and "only RUNNING executions can be stopped" in refused.text
    assert runner.executions.get("response-bad").redrive_count == 0


def test_json_of_an_execution_shows_the_caught_state(backend: LocalConsoleBackend) -> None:
    client = TestClient(create_console(backend))
    data = client.get("/api/executions/response-bad").json()
    assert data["status"] == "FAILED" and data["states"]["AcceptResponse"]["outcome"] == "caught"
    assert client.get("/api/executions/nope").status_code == 404


def test_store_filters_by_response_family_search_and_pages(runner: LocalRunner) -> None:
    store = runner.executions
    assert [e.name for e in store.list(response_id="ok", include_history=False)] == ["response-ok"]
    assert {e.name for e in store.list(family_id="family-okafor")} == {"response-ok", "response-flaky"}
    assert {e.name for e in store.list(search="fla")} == {"response-flaky"}
    assert store.list(search="%") == []  # literal, not a LIKE pattern
    assert store.count(status="FAILED") == 3
    newest_first = [e.name for e in store.list(include_history=False)]
    assert [e.name for e in store.list(limit=2, offset=1, include_history=False)] == newest_first[1:3]
