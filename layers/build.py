"""Build the Lambda layers without Docker and check every function fits Lambda's unzipped size limit.

`make layers` runs `python -m layers.build [--force]`: both layers (`layers/recipe.py`, built by
`layers/builder.py`, cached in `layers/*/build/`) and the size of each function, code plus layers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from familyplus.catalog import STAGES
from layers.builder import LayerBuildError, ensure_built
from layers.recipe import ROOT
from layers.sizes import LayerSizeError, check_sizes, code_size, format_sizes, function_sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the inputs did not change")
    args = parser.parse_args(argv)
    try:
        layers = ensure_built(force=args.force)
        for layer in layers.values():
            print(f"{layer.name}: {layer.zip_path.relative_to(ROOT)} ({layer.unzipped_bytes:,} bytes unzipped)")
        sizes = function_sizes(STAGES, code_size(ROOT / "functions"), layers)
        print(format_sizes(sizes))
        check_sizes(sizes)
    except (LayerBuildError, LayerSizeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
