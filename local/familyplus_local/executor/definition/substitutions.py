"""Definition substitutions: the `${Name}` placeholders of an ASL file and the values that replace them.

The one implementation of the rule, used by the executor's loader, the local workflow registry and the CDK
stack (which hands the same names to CloudFormation's DefinitionSubstitutions). CloudFormation replaces a
placeholder wherever it appears in the definition text, so keys count as well as string values. Standard
library only, so the stack importing it brings in nothing of the local runtime.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

#: `${Name}`: anything between the braces is a placeholder, so a malformed one is reported, never kept.
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def find(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, placeholder name) of every `${Name}` in a JSON document (or in one string), in order."""
    if isinstance(node, str):
        for match in PLACEHOLDER.finditer(node):
            yield pointer, match.group(1)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from find(item, f"{pointer}/{index}")
    elif isinstance(node, dict):
        for key, value in node.items():
            child = f"{pointer}/{_escape(str(key))}"
            yield from find(key, child)
            yield from find(value, child)


def names(node: Any) -> set[str]:
    """The placeholder names a document (or a string) uses."""
    return {name for _, name in find(node)}


def substitute(node: Any, values: Mapping[str, str]) -> Any:
    """A copy of `node` with every `${Name}` that `values` has replaced. Placeholders without a value stay,
    for the caller to report (`find`)."""
    if isinstance(node, str):
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), node)
    if isinstance(node, list):
        return [substitute(item, values) for item in node]
    if isinstance(node, dict):
        return {substitute(key, values): substitute(value, values) for key, value in node.items()}
    return node


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
