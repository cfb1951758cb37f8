"""Many executions at once, plus duplicate and conflicting starts of one response (SQLite store; the store-level
concurrency against the native PostgreSQL is tests/integration/store/test_concurrent_writes.py)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from familyplus.errors import ExecutionAlreadyExistsError
from familyplus.models.keys import story_id_for
from familyplus_local.executor import SubjectBusyError
from familyplus_local.ops.batch.local import run_batch
from tests.reliability import counts
from tests.reliability.support import PROCESS, runner_for, stored
from tests.support import response


def test_a_batch_of_many_at_once_processes_each_response_once(tmp_path: Path) -> None:
    runner = runner_for(tmp_path / "data")
    lines = [response(f"m-{i}") for i in range(12)]
    lines += [lines[0], {**lines[1], "text": "Other words entirely, about a winter on the farm."}]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")

    results = run_batch(runner, path, concurrency=4)
    counts.add("concurrent executions", 12)

    assert sum(r.ok for r in results) == 12
    assert [r.line for r in results if not r.ok] == [13, 14]  # the duplicate and the conflicting line
    for i in range(12):
        assert stored(runner, f"m-{i}")["response"][0] == "completed"
        assert runner.adapters.store.get_story(story_id_for(f"m-{i}")).response_id == f"m-{i}"


def test_duplicate_and_conflicting_starts_of_one_response_at_once(tmp_path: Path) -> None:
    runner = runner_for(tmp_path)
    barrier = threading.Barrier(6)
    texts = [f"Attempt {i} remembers the lighthouse keeper and his lamp." for i in range(3)]

    def start(i: int) -> Any:
        barrier.wait()
        # three identical starts (same name, same input) and three rivals under replay names
        name, text = ("response-d", texts[0]) if i < 3 else (f"response-d-{i}", texts[i - 3])
        try:
            return runner.start(PROCESS, response("d", text=text), name=name)
        except (SubjectBusyError, ExecutionAlreadyExistsError) as exc:
            return exc

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(start, range(6)))
    counts.add("concurrent executions", 6)

    ran = [o for o in outcomes if not isinstance(o, Exception)]
    assert ran and all(o.status in ("SUCCEEDED", "RUNNING") for o in ran)
    finished = [o for o in ran if o.status == "SUCCEEDED"]
    assert finished  # one execution did the work (a rival may run after it ended: a replay, not a mix)
    text = runner.adapters.store.get_response("d").text
    assert text is not None and text in {o.input["text"] for o in finished}
    story = runner.adapters.store.get_story(story_id_for("d"))
    assert all(q.text in text for q in runner.adapters.store.list_quotes(story.id))  # nothing from a rival
