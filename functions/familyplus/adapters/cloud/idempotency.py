"""Provider calls made idempotent: a retried or redriven stage never pays a provider twice for the same content.

`ProviderCache` runs a call through Powertools Idempotency (`idempotent_function`) keyed on a content hash:
SHA-256 of the adapter's identity (provider, model id, prompt version) and the call's inputs. The answer is
kept `ttl` seconds (24 h: the seed's embedding cache) in DynamoDB in AWS, in SQLite locally. One wrapper,
`ProviderCached(inner, cache, method)` (typed: `cached(...)`), configured per port by a `CachedMethod`
(`EMBED`, `TAG_VALUES`, ...), implements the same port as what it wraps, so stages stay pure.

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
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from pydantic import BaseModel

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


@dataclass(frozen=True)
class CachedMethod:
    """How one port method's answers are cached.

    `payload` takes the method's own arguments and returns what the answer depends on (with the adapter's
    identity, the content hash); `dump` turns an answer into JSON for the record, `load` turns it back.
    `per_item`: the first argument is a sequence cached item by item (an embedder: one record per text, so
    a text embedded before is never paid for again, whatever batch it comes in).
    """

    name: str
    operation: str
    payload: Callable[..., Json]
    dump: Callable[[Any], Json]
    load: Callable[[Json], Any]
    per_item: bool = False


class ProviderCached:
    """A provider adapter whose `method` goes through the `ProviderCache`; every other attribute (an embedder's
    `model` and `dimensions`) is the inner adapter's, so the wrapper implements the same port."""

    def __init__(self, inner: Any, cache: ProviderCache, method: CachedMethod) -> None:
        self.inner = inner
        self.cache = cache
        self.method = method

    def __getattr__(self, name: str) -> Any:  # only reached for names not set in __init__
        method = self.__dict__.get("method")
        if method is None:  # not initialised (copy, pickle): no inner adapter to forward to
            raise AttributeError(name)
        return self._call if name == method.name else getattr(self.inner, name)

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        if not self.method.per_item:
            return self._cached(args, kwargs, one_of_many=False)
        items, *rest = args
        return [self._cached((item, *rest), kwargs, one_of_many=True) for item in items]

    def _cached(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, one_of_many: bool) -> Any:
        method = self.method
        provider = getattr(self.inner, method.name)

        def compute() -> Json:
            if one_of_many:  # ask the provider for this one item: the answer is cached alone
                item, *rest = args
                return method.dump(provider([item], *rest, **kwargs)[0])
            return method.dump(provider(*args, **kwargs))

        answer = self.cache.call(method.operation, identity_of(self.inner), method.payload(*args, **kwargs), compute)
        return method.load(answer)


def cached(inner: T, cache: ProviderCache, method: CachedMethod) -> T:
    """`inner` behind the cache, typed as `inner` (the wrapper forwards everything else to it)."""
    return cast(T, ProviderCached(inner, cache, method))


def _text(text: str) -> Json:
    return {"text": text}


def _text_and_vocabulary(text: str, vocabulary: Sequence[str]) -> Json:
    return {"text": text, "vocabulary": list(vocabulary)}


def _story_request(text: str, *, prompt: str | None, tags: Sequence[str]) -> Json:
    return {"text": text, "prompt": prompt, "tags": list(tags)}


def _quotes_request(text: str, *, max_quotes: int) -> Json:
    return {"text": text, "maxQuotes": max_quotes}


def _podcast_request(story: StoryRecord, quotes: Sequence[Quote]) -> Json:
    return {
        "story": story.model_dump(mode="json", include={"id", "title", "summary", "narrative"}),
        "quotes": [q.text for q in quotes],
    }


def _dump_all(models: Sequence[BaseModel]) -> Json:
    return [m.model_dump(mode="json") for m in models]


def _dump(model: BaseModel) -> Json:
    return model.model_dump(mode="json")


#: The cached call of each provider port (the operation names the record's key prefix).
EMBED = CachedMethod(
    "embed", "embed", _text, dump=lambda vector: vector, load=lambda a: [float(x) for x in a], per_item=True
)
TAG_VALUES = CachedMethod(
    "tag", "tag_values", _text_and_vocabulary, dump=_dump_all, load=lambda a: [ValueTag.model_validate(t) for t in a]
)
EXTRACT_WISDOM = CachedMethod(
    "extract",
    "extract_wisdom",
    _text_and_vocabulary,
    dump=_dump_all,
    load=lambda a: [WisdomItem.model_validate(w) for w in a],
)
WRITE_STORY = CachedMethod("write", "write_story", _story_request, dump=_dump, load=StoryDraft.model_validate)
EXTRACT_QUOTES = CachedMethod(
    "propose", "extract_quotes", _quotes_request, dump=list, load=lambda a: [str(q) for q in a]
)
PODCAST_SCRIPT = CachedMethod(
    "write", "podcast_script", _podcast_request, dump=_dump, load=PodcastScript.model_validate
)
