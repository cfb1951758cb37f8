"""Provider calls made idempotent: a retried or redriven stage never pays a provider twice for the same content.

`ProviderCache` runs a call through Powertools Idempotency (`idempotent_function`) keyed on a content hash:
SHA-256 of the adapter's identity (provider, model id, prompt version) and the call's inputs. The answer is
kept `ttl` seconds (24 h: the seed's embedding cache) in DynamoDB in AWS, in SQLite locally. The wrappers
(`IdempotentEmbedder(inner, cache)`, ...) implement the same ports as what they wrap, so stages stay pure.

While a call runs its record is INPROGRESS. A second call with the same content then gets a
`TransientError` (the state machine retries later) instead of paying twice. So that a Lambda killed by its
timeout cannot leave a record that blocks retries for 24 h, each invocation must register its context:
`cache.register_lambda_context(context)`; the record's in-progress expiry is then the invocation's deadline.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from familyplus.errors import PermanentError, TransientError
from familyplus.models.podcast import PodcastScript
from familyplus.models.response import Quote, StoryDraft, StoryRecord, ValueTag, WisdomItem

T = TypeVar("T")
Json = Any


def content_hash(identity: str, payload: Json) -> str:
    """SHA-256 of what a provider answer depends on: who answers (identity) and what it is asked (payload)."""
    blob = json.dumps([identity, payload], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def identity_of(adapter: object) -> str:
    return str(getattr(adapter, "identity", f"{type(adapter).__module__}.{type(adapter).__qualname__}"))


class ProviderCache:
    """Powertools Idempotency for provider calls: one `config` (whose Lambda context handlers register).

    `persistence` is a persistence layer, or a factory of them: with a factory each operation gets its own
    layer. Powertools keeps the key prefix on the layer while a call runs, so operations running in parallel
    threads (the local executor's Parallel branches) must not share one.
    """

    def __init__(
        self, persistence: BasePersistenceLayer | Callable[[], BasePersistenceLayer], *, ttl: int = 86_400
    ) -> None:
        self._factory = None if isinstance(persistence, BasePersistenceLayer) else persistence
        self.persistence = persistence if isinstance(persistence, BasePersistenceLayer) else persistence()
        self._layers: dict[str, BasePersistenceLayer] = {}
        self._lock = threading.Lock()
        self.config = IdempotencyConfig(expires_after_seconds=ttl, hash_function="sha256")

    def _layer(self, operation: str) -> BasePersistenceLayer:
        if self._factory is None:
            return self.persistence
        with self._lock:
            if operation not in self._layers:
                self._layers[operation] = self._factory()
            return self._layers[operation]

    def register_lambda_context(self, context: Any) -> None:
        """Call at the start of every invocation: bounds in-progress records by the invocation's deadline."""
        self.config.register_lambda_context(context)

    def call(self, operation: str, identity: str, payload: Json, compute: Callable[[], Json]) -> Json:
        """`compute()`'s JSON answer, or the one stored for the same (identity, payload) within the TTL."""
        key = content_hash(identity, payload)

        # Decorated per call: the key prefix names the operation, not the Lambda function, so a replayed
        # or redriven execution hits the same record whichever function calls.
        @idempotent_function(
            data_keyword_argument="request",
            persistence_store=self._layer(operation),
            config=self.config,
            key_prefix=f"familyplus.{operation}",
        )
        def run(request: dict[str, str]) -> dict[str, Json]:
            return {"answer": compute()}  # wrapped: Powertools would replay an empty answer as None

        try:
            result: dict[str, Json] = run(request={"contentHash": key})
        except IdempotencyAlreadyInProgressError as exc:
            raise TransientError(f"{operation}: the same provider call is already in progress; retry later") from exc
        except (IdempotencyPersistenceLayerError, IdempotencyInconsistentStateError) as exc:
            raise TransientError(f"{operation}: idempotency store unavailable: {exc}") from exc
        if not isinstance(result, dict) or "answer" not in result:
            raise PermanentError(f"{operation}: unreadable idempotency record for {key}")
        return result["answer"]


class IdempotentEmbedder:
    """`Embedder` port: one cached provider call per text."""

    def __init__(self, inner: Any, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache
        self.model: str = inner.model
        self.dimensions: int = inner.dimensions

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        identity = identity_of(self.inner)
        return [self._one(identity, text) for text in texts]

    def _one(self, identity: str, text: str) -> list[float]:
        answer = self.cache.call("embed", identity, {"text": text}, lambda: self.inner.embed([text])[0])
        return [float(x) for x in answer]


class IdempotentValueTagger:
    def __init__(self, inner: Any, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache

    def tag(self, text: str, vocabulary: Sequence[str]) -> list[ValueTag]:
        answer = self.cache.call(
            "tag_values",
            identity_of(self.inner),
            {"text": text, "vocabulary": list(vocabulary)},
            lambda: [t.model_dump(mode="json") for t in self.inner.tag(text, vocabulary)],
        )
        return [ValueTag.model_validate(t) for t in answer]


class IdempotentWisdomExtractor:
    def __init__(self, inner: Any, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache

    def extract(self, text: str, vocabulary: Sequence[str]) -> list[WisdomItem]:
        answer = self.cache.call(
            "extract_wisdom",
            identity_of(self.inner),
            {"text": text, "vocabulary": list(vocabulary)},
            lambda: [w.model_dump(mode="json") for w in self.inner.extract(text, vocabulary)],
        )
        return [WisdomItem.model_validate(w) for w in answer]


class IdempotentStoryWriter:
    def __init__(self, inner: Any, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache

    def write(self, text: str, *, prompt: str | None, tags: Sequence[str]) -> StoryDraft:
        answer = self.cache.call(
            "write_story",
            identity_of(self.inner),
            {"text": text, "prompt": prompt, "tags": list(tags)},
            lambda: self.inner.write(text, prompt=prompt, tags=tags).model_dump(mode="json"),
        )
        return StoryDraft.model_validate(answer)


class IdempotentQuoteProposer:
    def __init__(self, inner: Any, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache

    def propose(self, text: str, *, max_quotes: int) -> list[str]:
        answer = self.cache.call(
            "extract_quotes",
            identity_of(self.inner),
            {"text": text, "maxQuotes": max_quotes},
            lambda: list(self.inner.propose(text, max_quotes=max_quotes)),
        )
        return [str(q) for q in answer]


class IdempotentPodcastWriter:
    def __init__(self, inner: Any, cache: ProviderCache) -> None:
        self.inner = inner
        self.cache = cache

    def write(self, story: StoryRecord, quotes: Sequence[Quote]) -> PodcastScript:
        payload = {
            "story": story.model_dump(mode="json", include={"id", "title", "summary", "narrative"}),
            "quotes": [q.text for q in quotes],
        }
        answer = self.cache.call(
            "podcast_script",
            identity_of(self.inner),
            payload,
            lambda: self.inner.write(story, quotes).model_dump(mode="json"),
        )
        return PodcastScript.model_validate(answer)
