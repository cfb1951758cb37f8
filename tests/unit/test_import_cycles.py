"""No import cycles among the project's own modules.

A cycle kept alive by an import moved into a function still runs in a circle, just later; the graph (built
by grimp, import-linter's own engine) counts every import statement wherever it stands, and leaves out only
`if TYPE_CHECKING:` imports, which never run. The import directions themselves are import-linter's
contracts (`lint-imports`, pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

import grimp

FIRST_PARTY = ("familyplus", "familyplus_local", "infra", "layers", "rehearsal")


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: every group of modules that reach each other, each group sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One cycle through the group (its first module there and back), each step with the importing line."""
    start, other = group[0], group[1]
    there = graph.find_shortest_chain(start, other) or (start, other)
    back = graph.find_shortest_chain(other, start) or (other, start)
    cycle = [*there, *back[1:]]
    steps = []
    for importer, imported in pairwise(cycle):
        lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
        steps.append(f"  {importer} -> {imported} (line {', '.join(map(str, lines))})")
    return f"{len(group)} modules in a cycle, e.g.:\n" + "\n".join(steps)


def test_the_tarjan_groups_find_a_cycle_and_only_cycles() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["e"]}
    assert strongly_connected(edges) == [["a", "b", "c"]]


def test_no_import_cycle_among_first_party_modules() -> None:
    graph = grimp.build_graph(*FIRST_PARTY, exclude_type_checking_imports=True, cache_dir=None)
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    cycles = strongly_connected(edges)
    assert not cycles, "\n\n".join(describe(graph, group) for group in cycles)
