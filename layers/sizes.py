"""Lambda's unzipped size limit: each function's code plus its layers, checked before a deploy would fail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from familyplus.catalog import StageSpec
from layers.recipe import CODE_EXCLUDES, BuiltLayer, layers_for

#: Lambda's limit on a function's code plus all its layers, unzipped (250 MB).
LAMBDA_UNZIPPED_LIMIT = 262_144_000


class LayerSizeError(RuntimeError):
    """Raised when a function's code plus its layers would exceed Lambda's 250 MB unzipped limit."""


@dataclass(frozen=True)
class FunctionSize:
    name: str
    code_bytes: int
    layer_bytes: dict[str, int]

    @property
    def total_bytes(self) -> int:
        return self.code_bytes + sum(self.layer_bytes.values())


def _excluded(relative: Path, patterns: Sequence[str]) -> bool:
    return any(fnmatch(part, pattern) for part in relative.parts for pattern in patterns)


def code_size(functions_dir: Path, excludes: Sequence[str] = CODE_EXCLUDES) -> int:
    """Unzipped size of the function code asset (the `functions/` folder less `excludes`)."""
    return sum(
        path.stat().st_size
        for path in sorted(functions_dir.rglob("*"))
        if path.is_file() and not path.is_symlink() and not _excluded(path.relative_to(functions_dir), excludes)
    )


def function_sizes(stages: Iterable[StageSpec], code_bytes: int, layers: dict[str, BuiltLayer]) -> list[FunctionSize]:
    return [
        FunctionSize(spec.name, code_bytes, {n: layers[n].unzipped_bytes for n in layers_for(spec)}) for spec in stages
    ]


def format_sizes(sizes: Sequence[FunctionSize], limit: int = LAMBDA_UNZIPPED_LIMIT) -> str:
    mb = 1 << 20  # Lambda's "250 MB" is 250 MiB
    lines = [f"{'function':<24}{'code':>10}{'layers':>10}{'total':>10}  (MiB unzipped, limit {limit / mb:.0f})"]
    for size in sizes:
        layers = "+".join(size.layer_bytes)
        lines.append(
            f"{size.name:<24}{size.code_bytes / mb:>10.1f}{sum(size.layer_bytes.values()) / mb:>10.1f}"
            f"{size.total_bytes / mb:>10.1f}  [{layers}]"
        )
    return "\n".join(lines)


def check_sizes(sizes: Sequence[FunctionSize], limit: int = LAMBDA_UNZIPPED_LIMIT) -> None:
    over = [s for s in sizes if s.total_bytes > limit]
    if over:
        names = ", ".join(f"{s.name} ({s.total_bytes:,} bytes)" for s in over)
        raise LayerSizeError(f"over Lambda's {limit:,}-byte unzipped limit (code + layers): {names}")
