"""`load_definition`: parse an ASL document, apply definition substitutions, validate everything, compile.

Anything the executor does not implement is refused here, with the JSON pointer of the offending field,
rather than skipped at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import DefinitionError, Problem
from . import substitutions as placeholders
from .model import ChoiceState, Machine, ResultState, State, StateMachine
from .reader import MISSING, Reader
from .states import StateBuilder

_MACHINE_FIELDS = {
    "top": {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"},
    "branch": {"StartAt", "States", "Comment"},
    "processor": {"StartAt", "States", "Comment", "ProcessorConfig"},
}
MAX_STATE_NAME = 80


def load_definition(
    source: str | Path | Mapping[str, Any], *, substitutions: Mapping[str, str] | None = None
) -> StateMachine:
    """Parse and validate a definition: a dict, JSON text, or the path of a `.asl.json` file.

    `substitutions` replaces `${Key}` placeholders, like CDK's DefinitionSubstitutions (see `substitutions`).
    Raises DefinitionError listing every problem (unsupported fields/types/resources, bad transitions, ...).
    """
    document = _read(source)
    if substitutions:
        document = placeholders.substitute(document, substitutions)
    reader = Reader()
    for pointer, name in placeholders.find(document):
        reader.problem(
            pointer, f"definition substitution ${{{name}}} was not applied (pass substitutions={{{name!r}: ...}})"
        )
    language = document.get("QueryLanguage", "JSONPath") if isinstance(document, dict) else "JSONPath"
    if language not in ("JSONPath", "JSONata"):
        reader.problem("/QueryLanguage", f"QueryLanguage must be JSONPath or JSONata, got {language!r}")
        language = "JSONPath"
    builder = StateBuilder(reader, lambda r, raw, pointer, kind: _build_machine(builder, raw, pointer, kind), language)
    machine = _build_machine(builder, document, "", "top")
    timeout: Any = MISSING
    if isinstance(document, dict):
        timeout = reader.number(document, "TimeoutSeconds", "", "state machine", minimum=0, exclusive=True)
    if reader.problems or machine is None:
        raise DefinitionError(reader.problems)
    return StateMachine(
        start_at=machine.start_at,
        states=machine.states,
        timeout_seconds=None if timeout is MISSING else float(timeout),
        comment=document.get("Comment"),
        source=document,
        resources=frozenset(builder.resources),
        uses_objects=builder.uses_objects,
    )


def _read(source: str | Path | Mapping[str, Any]) -> Any:
    if isinstance(source, Mapping):
        return json.loads(json.dumps(source))  # a private, JSON-clean copy
    if isinstance(source, Path) or not source.lstrip().startswith("{"):
        path = Path(source)
        if not path.is_file():
            raise DefinitionError([Problem("", f"not JSON text and not an existing file: {str(source)[:120]!r}")])
        text = path.read_text(encoding="utf-8")
    else:
        text = source
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError([Problem("", f"definition is not valid JSON: {exc}")]) from None


def _build_machine(builder: StateBuilder, raw: Any, pointer: str, kind: str) -> Machine | None:
    r = builder.r
    what = {"top": "the state machine", "branch": "a branch", "processor": "an ItemProcessor"}[kind]
    if not isinstance(raw, dict):
        r.problem(pointer, f"{what} must be a JSON object")
        return None
    r.fields(raw, _MACHINE_FIELDS[kind], pointer, what if kind != "top" else "")
    states_raw = raw.get("States")
    if not isinstance(states_raw, dict) or not states_raw:
        r.problem(f"{pointer}/States", f"{what} needs a non-empty States object")
        return None
    start_at = raw.get("StartAt")
    if not isinstance(start_at, str) or start_at not in states_raw:
        r.problem(f"{pointer}/StartAt", f"StartAt must name one of its States, got {start_at!r}")
    states: dict[str, State] = {}
    for name, state_raw in states_raw.items():
        state_pointer = f"{pointer}/States/{_escape(name)}"
        if not name or len(name) > MAX_STATE_NAME:
            r.problem(state_pointer, f"state names must be 1-{MAX_STATE_NAME} characters, got {name!r}")
        state = builder.build(name, state_raw, state_pointer)
        if state is not None:
            states[name] = state
    if not isinstance(start_at, str) or start_at not in states:
        return None
    _check_transitions(r, states)
    _check_reachable(r, start_at, states)
    return Machine(start_at, states)


def _targets(state: State) -> list[tuple[str, str]]:
    """(field pointer, target state) for every transition out of `state`."""
    found = []
    if state.next is not None:
        found.append((f"{state.pointer}/Next", state.next))
    if isinstance(state, ChoiceState):
        found += [(f"{state.pointer}/Choices/{i}/Next", rule.next) for i, rule in enumerate(state.choices)]
        if state.default is not None:
            found.append((f"{state.pointer}/Default", state.default))
    if isinstance(state, ResultState):
        found += [(f"{state.pointer}/Catch/{i}/Next", c.next) for i, c in enumerate(state.catch)]
    return found


def _check_transitions(r: Reader, states: dict[str, State]) -> None:
    for state in states.values():
        for pointer, target in _targets(state):
            if target and target not in states:
                r.problem(
                    pointer,
                    f"state {state.name!r}: transition to {target!r}, which is not a state in this "
                    "scope (transitions cannot enter or leave a Parallel branch or Map processor)",
                )


def _check_reachable(r: Reader, start_at: str, states: dict[str, State]) -> None:
    seen, todo = {start_at}, [start_at]
    while todo:
        for _, target in _targets(states[todo.pop()]):
            if target in states and target not in seen:
                seen.add(target)
                todo.append(target)
    for name, state in states.items():
        if name not in seen:
            r.problem(state.pointer, f"state {name!r} is not reachable from StartAt {start_at!r}")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
