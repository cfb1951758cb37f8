"""CDK constructs for Family+: one per concern (stage function, layers, storage, workflows, schedules,
monitoring), composed by `infra.stack.FamilyplusStack`. Synth makes no AWS calls.

`infra.app.build_app()` is shared by `app.py` and the tests so both synthesize exactly the same thing.
"""

from __future__ import annotations

import os

# jsii prints a boxed warning on every start while the machine's Node.js is past its end of life; it says
# nothing about our code. Silenced for Node 20 only, so a newer unsupported Node still warns.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
