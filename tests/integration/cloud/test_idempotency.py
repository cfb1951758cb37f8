"""Provider calls are paid once per content: Powertools Idempotency with DynamoDB (under moto) and with the
local SQLite persistence layer, in virtual time so TTLs and Lambda deadlines are exact.

The clock is the one Powertools reads (`dt.datetime.now()` in its idempotency modules, and in ours), replaced
in those modules only: patching datetime process-wide (freezegun) breaks pydantic models built meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency import base as idempotency_base
from aws_lambda_powertools.utilities.idempotency.persistence import base as persistence_base
from aws_lambda_powertools.utilities.idempotency.persistence import datarecord, dynamodb
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from moto import mock_aws

from familyplus.adapters.cloud.idempotency import (
    EMBED,
    EXTRACT_QUOTES,
    TAG_VALUES,
    WRITE_STORY,
    ProviderCache,
    cached,
    content_hash,
)
from familyplus.adapters.local import sqlite_idempotency
from familyplus.adapters.local.sqlite_idempotency import SqlitePersistenceLayer
from familyplus.errors import TransientError
from familyplus.models.response import StoryDraft, ValueTag
from familyplus.vocabulary import VALUE_TAGS

# Outside Lambda most tests register no context; Powertools warns about that (the point of the test below).
pytestmark = pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time")

TABLE = "familyplus-idempotency"
DAY = timedelta(hours=24)


class CountingTagger:
    """A provider stand-in that counts its (paid) calls."""

    identity = "bedrock:model-x:tag_values.v1"

    def __init__(self) -> None:
        self.calls = 0
        self.fail_with: BaseException | None = None

    def tag(self, text: str, vocabulary: Any) -> list[ValueTag]:
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return [ValueTag(tag="family", score=0.5, evidence=[text[:9]])] if "mother" in text else []


@dataclass
class FakeLambdaContext:
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture(params=["dynamodb", "sqlite"])
def persistence(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if request.param == "sqlite":
        layer = SqlitePersistenceLayer(tmp_path / "idempotency.db")
        yield layer
        layer.close()
        return
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-west-2",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-west-2")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield DynamoDBPersistenceLayer(table_name=TABLE, boto3_client=client)


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self, delta: timedelta) -> None:
        self.now += delta


CLOCK_READERS: tuple[ModuleType, ...] = (idempotency_base, persistence_base, datarecord, dynamodb, sqlite_idempotency)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    virtual = VirtualClock(datetime(2026, 3, 1, 12, 0, 0))

    class VirtualDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return virtual.now if tz is None else virtual.now.astimezone(tz)

    for module in CLOCK_READERS:
        assert hasattr(module, "dt"), module.__name__  # they read time as dt.datetime.now()
        monkeypatch.setattr(module, "dt", SimpleNamespace(datetime=VirtualDatetime, timedelta=timedelta))
    return virtual


def test_the_same_content_twice_is_one_provider_call(persistence: BasePersistenceLayer, clock: Any) -> None:
    provider = CountingTagger()
    tagger = cached(provider, ProviderCache(persistence), TAG_VALUES)
    first = tagger.tag("My mother sang.", VALUE_TAGS)
    second = tagger.tag("My mother sang.", VALUE_TAGS)
    assert provider.calls == 1
    assert first == second == [ValueTag(tag="family", score=0.5, evidence=["My mother"])]
    # different content, or a different prompt version / model, is a different call
    tagger.tag("My father sang.", VALUE_TAGS)
    provider.identity = "bedrock:model-x:tag_values.v2"
    tagger.tag("My mother sang.", VALUE_TAGS)
    assert provider.calls == 3


def test_an_empty_answer_is_cached_as_empty(persistence: BasePersistenceLayer, clock: Any) -> None:
    provider = CountingTagger()
    tagger = cached(provider, ProviderCache(persistence), TAG_VALUES)
    assert tagger.tag("Nothing here.", VALUE_TAGS) == []
    assert tagger.tag("Nothing here.", VALUE_TAGS) == []
    assert provider.calls == 1


def test_after_the_ttl_the_provider_is_called_again(persistence: BasePersistenceLayer, clock: Any) -> None:
    provider = CountingTagger()
    tagger = cached(provider, ProviderCache(persistence, ttl=int(DAY.total_seconds())), TAG_VALUES)
    tagger.tag("My mother sang.", VALUE_TAGS)
    clock.tick(DAY - timedelta(minutes=1))
    tagger.tag("My mother sang.", VALUE_TAGS)
    assert provider.calls == 1  # still within 24 h
    clock.tick(timedelta(minutes=2))
    tagger.tag("My mother sang.", VALUE_TAGS)
    assert provider.calls == 2  # expired: a new call


def test_a_failed_call_is_not_cached(persistence: BasePersistenceLayer, clock: Any) -> None:
    provider = CountingTagger()
    tagger = cached(provider, ProviderCache(persistence), TAG_VALUES)
    provider.fail_with = TransientError("bedrock HTTP 429: slow down")
    with pytest.raises(TransientError, match="429"):
        tagger.tag("My mother sang.", VALUE_TAGS)
    provider.fail_with = None
    assert tagger.tag("My mother sang.", VALUE_TAGS)[0].tag == "family"
    assert provider.calls == 2


def test_a_timed_out_in_progress_record_does_not_block_the_retry(persistence: BasePersistenceLayer, clock: Any) -> None:
    # Given an invocation with 30 s left that dies mid-call (Lambda timeout: no cleanup runs)
    provider = CountingTagger()
    cache = ProviderCache(persistence)
    tagger = cached(provider, cache, TAG_VALUES)
    cache.register_lambda_context(FakeLambdaContext(remaining_ms=30_000))
    provider.fail_with = SystemExit("killed by the Lambda timeout")
    with pytest.raises(SystemExit):
        tagger.tag("My mother sang.", VALUE_TAGS)
    provider.fail_with = None

    # When a retry comes while that invocation could still be running, Then it waits (TransientError)
    clock.tick(timedelta(seconds=10))
    cache.register_lambda_context(FakeLambdaContext(remaining_ms=30_000))
    with pytest.raises(TransientError, match="already in progress"):
        tagger.tag("My mother sang.", VALUE_TAGS)
    assert provider.calls == 1

    # When the retry comes after the dead invocation's deadline, Then it runs and its answer is kept
    clock.tick(timedelta(seconds=21))
    assert tagger.tag("My mother sang.", VALUE_TAGS)[0].tag == "family"
    assert tagger.tag("My mother sang.", VALUE_TAGS)[0].tag == "family"
    assert provider.calls == 2


class CountingEmbedder:
    model = "text-embedding-3-small"
    dimensions = 3
    identity = "openai:text-embedding-3-small:3"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Any) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(t)), 0.0, 1.0] for t in texts]


def test_every_port_wrapper_replays_its_answer(persistence: BasePersistenceLayer, clock: Any) -> None:
    cache = ProviderCache(persistence)
    inner = CountingEmbedder()
    embedder = cached(inner, cache, EMBED)
    assert (embedder.model, embedder.dimensions) == ("text-embedding-3-small", 3)
    assert embedder.embed(["ab", "abc"]) == [[2.0, 0.0, 1.0], [3.0, 0.0, 1.0]]
    assert embedder.embed(["abc"]) == [[3.0, 0.0, 1.0]]
    assert inner.calls == [["ab"], ["abc"]]

    class Writer:
        identity = "w"
        calls = 0

        def write(self, text: str, *, prompt: str | None, tags: Any) -> StoryDraft:
            Writer.calls += 1
            return StoryDraft(title="T", summary="S", narrative=text)

    writer = cached(Writer(), cache, WRITE_STORY)
    assert writer.write("words", prompt=None, tags=["love"]) == writer.write("words", prompt=None, tags=["love"])
    assert Writer.calls == 1

    class Proposer:
        identity = "q"
        calls = 0

        def propose(self, text: str, *, max_quotes: int) -> list[str]:
            Proposer.calls += 1
            return [text][:max_quotes]

    proposer = cached(Proposer(), cache, EXTRACT_QUOTES)
    assert proposer.propose("Q.", max_quotes=2) == proposer.propose("Q.", max_quotes=2) == ["Q."]
    assert proposer.propose("Q.", max_quotes=1) == ["Q."]  # another argument: another call
    assert Proposer.calls == 2


def test_the_key_is_a_content_hash_of_identity_and_input() -> None:
    assert content_hash("m:v1", {"text": "a"}) == content_hash("m:v1", {"text": "a"})
    assert (
        len(
            {
                content_hash("m:v1", {"text": "a"}),
                content_hash("m:v2", {"text": "a"}),
                content_hash("m:v1", {"text": "b"}),
            }
        )
        == 3
    )


def test_operations_in_parallel_threads_keep_their_own_records(tmp_path: Path, clock: VirtualClock) -> None:
    # Given one cache whose operations each get their own persistence layer (as CloudAdapters builds it)
    from concurrent.futures import ThreadPoolExecutor

    cache = ProviderCache(lambda: SqlitePersistenceLayer(tmp_path / "idempotency.db"))
    tagger_inner, embedder_inner = CountingTagger(), CountingEmbedder()
    tagger, embedder = cached(tagger_inner, cache, TAG_VALUES), cached(embedder_inner, cache, EMBED)
    texts = [f"My mother's story number {i}." for i in range(12)]

    def both(text: str) -> None:
        tagger.tag(text, VALUE_TAGS)
        embedder.embed([text])

    # When Parallel branches call different providers at once, twice over
    for _ in range(2):
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(both, texts))
    # Then each content was paid once per provider, and every record completed
    assert tagger_inner.calls == len(texts) and len(embedder_inner.calls) == len(texts)
