"""`OutboxNotifier`: the `Notifier` port without Twilio keys — one JSON line per message in a local file.

The outbox is the offline profile's SMS: `familyplus` users (and tests) read what would have been sent.
Appends are serialised by a lock and flushed+fsynced before `send` returns, so a returned id means the line
is on disk.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path


class OutboxNotifier:
    channel = "outbox"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def send(self, recipient: str, body: str, *, idempotency_key: str) -> str:
        message_id = f"outbox-{uuid.uuid4().hex[:16]}"
        line = json.dumps(
            {
                "id": message_id,
                "to": recipient,
                "body": body,
                "idempotencyKey": idempotency_key,
                "at": datetime.now(UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
                out.flush()
                os.fsync(out.fileno())
        return message_id

    def messages(self) -> list[dict[str, str]]:
        """Everything sent so far, oldest first."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
