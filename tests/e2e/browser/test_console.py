"""The operations console in a real browser (headless Chromium): the list, the graph of a succeeded, a
caught-failure and a redriven execution (node colours, a state's input and output), redrive and stop
buttons, bulk redrive, live updates, metrics and the catalog. One console server for the module.

Screenshots go to test-artifacts/console/ (or FAMILYPLUS_SCREENSHOTS_DIR, e.g. docs/console).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.fixtures import ConsoleUnderTest, console_server, populate

pytestmark = pytest.mark.browser

# The fills of the outcome colours (base.html): a caught failure is never green.
FILL = {
    "succeeded": "rgb(232, 245, 233)",
    "failed": "rgb(255, 235, 238)",
    "caught": "rgb(251, 233, 231)",
    "retried": "rgb(255, 253, 231)",
    "running": "rgb(227, 242, 253)",
    "not reached": "rgb(250, 250, 250)",
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleUnderTest]:
    runner, gate = populate(tmp_path_factory.mktemp("console") / "data")
    with console_server(runner, gate) as running:
        yield running


@pytest.fixture
def page(browser: Any, console: ConsoleUnderTest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


# One script evaluation each (atomic in the page): while an execution runs, the page swaps its graph every
# second, so an element found in one call may be gone by the next.
def outcome(page: Any, state: str) -> str:
    return str(
        page.evaluate(
            'name => document.querySelector(`svg.workflow-graph .state[data-state="${name}"]`).dataset.outcome',
            state,
        )
    )


def fill(page: Any, state: str) -> str:
    return str(
        page.evaluate(
            "name => getComputedStyle(document.querySelector("
            '`svg.workflow-graph .state[data-state="${name}"] > rect.box`)).fill',
            state,
        )
    )


def assert_state(page: Any, state: str, expected: str) -> None:
    assert (outcome(page, state), fill(page, state)) == (expected, FILL[expected]), state


def test_list_shows_every_execution_and_filters_by_family(
    page: Any, console: ConsoleUnderTest, screenshots: Path
) -> None:
    page.goto(f"{console.url}/executions")
    names = page.locator("#executions tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert set(names) == {"response-flaky", "response-ok", "response-bad", "response-bulk"}
    page.screenshot(path=str(screenshots / "executions.png"), full_page=True)
    page.fill("input[name=family]", "family-lee")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**family=family-lee**")
    names = page.locator("#executions tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert names == ["response-bad"]


def test_a_malformed_filter_names_the_field(page: Any, console: ConsoleUnderTest) -> None:
    answer = page.goto(f"{console.url}/executions?since=yesterday")
    assert answer.status == 400
    assert "since" in page.inner_text("#problem") and "yesterday" in page.inner_text("#problem")


def test_an_unknown_execution_is_a_404_naming_it(page: Any, console: ConsoleUnderTest) -> None:
    answer = page.goto(f"{console.url}/executions/response-nobody")
    assert answer.status == 404
    assert "response-nobody" in page.inner_text("#problem")


def test_succeeded_graph_and_a_states_input_and_output(page: Any, console: ConsoleUnderTest, screenshots: Path) -> None:
    page.goto(f"{console.url}/executions/response-ok")
    for state in ("AcceptResponse", "Analyze", "TagValues", "WriteStory", "ExtractQuotes", "Done"):
        assert_state(page, state, "succeeded")
    for state in ("PrepareAudio", "TranscribeChunks", "MarkFailed", "Failed", "StartPodcast"):
        assert_state(page, state, "not reached")
    page.click('svg.workflow-graph .state[data-state="WriteStory"]')
    assert page.inner_text("#detail-name") == "WriteStory"
    assert '"responseId": "ok"' in page.inner_text(".detail-input")
    assert "story-ok" in page.inner_text(".detail-output")
    page.screenshot(path=str(screenshots / "execution-succeeded.png"), full_page=True)


def test_caught_failure_is_shown_as_a_failure(page: Any, console: ConsoleUnderTest, screenshots: Path) -> None:
    page.goto(f"{console.url}/executions/response-bad")
    assert page.inner_text("#status") == "FAILED"
    assert_state(page, "AcceptResponse", "caught")
    assert_state(page, "MarkFailed", "succeeded")
    assert_state(page, "Failed", "failed")
    assert_state(page, "WriteStory", "not reached")
    page.click('svg.workflow-graph .state[data-state="AcceptResponse"]')
    assert page.inner_text("#detail-outcome").startswith("caught")
    detail = page.inner_text("#detail")
    assert "PermanentError" in detail and "text is empty" in detail
    assert "stackTrace" not in page.inner_text(".detail-error")  # one line; the stack trace is folded away
    page.screenshot(path=str(screenshots / "execution-caught.png"), full_page=True)


def test_redrive_button_resumes_and_the_graph_shows_the_retried_states(
    page: Any, console: ConsoleUnderTest, screenshots: Path
) -> None:
    page.goto(f"{console.url}/executions/response-flaky")
    assert_state(page, "TagValues", "failed")
    assert_state(page, "Analyze", "caught")
    assert_state(page, "AcceptResponse", "succeeded")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#redrive")
    page.wait_for_url("**notice=**")
    assert "redrive of response-flaky started" in page.inner_text("#notice")
    console.backend.wait()
    page.reload()
    assert page.inner_text("#status") == "SUCCEEDED"
    assert_state(page, "TagValues", "retried")  # failed in the first run, succeeded in the redrive
    assert_state(page, "Analyze", "retried")
    assert_state(page, "WriteStory", "succeeded")
    assert "1" in page.inner_text("#summary")
    assert page.is_disabled("#redrive") and page.is_disabled("#stop")
    page.screenshot(path=str(screenshots / "execution-redriven.png"), full_page=True)


def test_redrive_of_a_succeeded_execution_is_refused_and_changes_nothing(page: Any, console: ConsoleUnderTest) -> None:
    page.goto(f"{console.url}/executions/response-ok")
    page.eval_on_selector("#redrive", "b => b.disabled = false")  # past the disabled button, as a script could
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#redrive")
    assert "status SUCCEEDED" in page.inner_text("#problem")
    assert console.runner.executions.get("response-ok").redrive_count == 0


def test_bulk_redrive_previews_then_redrives_the_matches(page: Any, console: ConsoleUnderTest) -> None:
    page.goto(f"{console.url}/redrive?status=FAILED&family=family-kim")
    assert page.inner_text("#preview-title") == "Dry run: would redrive 1 execution(s)"
    assert console.runner.executions.get("response-bulk").redrive_count == 0  # the preview changed nothing
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#bulk-redrive")
    assert "redrive of response-bulk started" in page.inner_text("#results")
    console.backend.wait()
    assert console.runner.executions.get("response-bulk").redrive_count == 1


def test_live_updates_while_running_then_stop_is_offered(page: Any, console: ConsoleUnderTest) -> None:
    console.gate.open.clear()
    console.gate.waiting.clear()
    body = {"responseId": "live", "familyId": "family-okafor", "mediaType": "text", "text": "I learned to bake."}
    worker = threading.Thread(
        target=console.runner.start, args=("process_response", body), kwargs={"name": "response-live"}
    )
    worker.start()
    try:
        assert console.gate.waiting.wait(timeout=30)
        page.goto(f"{console.url}/executions/response-live")
        assert page.inner_text("#status") == "RUNNING"
        assert_state(page, "TagValues", "running")
        assert not page.is_disabled("#stop")
    finally:
        console.gate.open.set()
        worker.join(timeout=60)
    # The page follows the execution by itself (it polls while RUNNING, then reloads at the end).
    page.wait_for_function("document.getElementById('status').textContent === 'SUCCEEDED'")
    assert_state(page, "TagValues", "succeeded")


def test_metrics_page_charts_each_workflow(page: Any, console: ConsoleUnderTest, screenshots: Path) -> None:
    page.goto(f"{console.url}/metrics")
    card = page.locator('.workflow-metrics[data-workflow="process_response"]')
    assert card.locator("svg.chart").count() == 3
    text = card.inner_text()
    assert "AcceptResponse" in text and "p95" in text
    assert "GeneratePodcasts" in page.inner_text("#lanes")
    page.screenshot(path=str(screenshots / "metrics.png"), full_page=True)


def test_tasks_page_lists_workflows_and_stages(page: Any, console: ConsoleUnderTest) -> None:
    page.goto(f"{console.url}/tasks")
    workflows = page.inner_text("#workflows")
    assert all(name in workflows for name in ("process_response", "generate_podcast", "daily_podcasts"))
    assert "transcribe_chunk" in page.inner_text("#stages")


def test_stop_button_aborts_a_running_execution_which_can_then_be_redriven(
    page: Any, console: ConsoleUnderTest
) -> None:
    console.gate.open.clear()
    console.gate.waiting.clear()
    body = {"responseId": "stopme", "familyId": "family-okafor", "mediaType": "text", "text": "I learned to sew."}
    worker = threading.Thread(
        target=console.runner.start, args=("process_response", body), kwargs={"name": "response-stopme"}
    )
    worker.start()
    try:
        assert console.gate.waiting.wait(timeout=30)
        page.goto(f"{console.url}/executions/response-stopme")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#stop")
        page.wait_for_url("**notice=**")
    finally:
        console.gate.open.set()  # the stage call in flight returns; the executor stops before the next step
        worker.join(timeout=60)
    page.goto(f"{console.url}/executions/response-stopme")
    assert page.inner_text("#status") == "ABORTED"
    assert not page.is_disabled("#redrive")  # ABORTED is redrivable
    assert page.is_disabled("#stop")
    assert outcome(page, "WriteStory") == "not reached"
