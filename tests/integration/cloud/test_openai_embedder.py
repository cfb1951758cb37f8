"""OpenAIEmbedder through a mocked HTTP transport (httpx2, the HTTP library of openai >= 3): the request,
long inputs chunked and averaged, batching, and the error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import numpy as np
import pytest

from familyplus.adapters.cloud.openai_embedder import (
    MAX_INPUT_TOKENS,
    OpenAIEmbedder,
    chunk_text,
    make_openai_client,
)
from familyplus.errors import PermanentError, TransientError

Handler = Callable[[httpx2.Request], httpx2.Response]


def fake_vector(text: str, dims: int = 1536) -> list[float]:
    """A deterministic pseudo-embedding of `text` (what the mocked API answers)."""
    rng = np.random.default_rng(abs(hash(text)) % 2**32)
    v = rng.normal(size=dims)
    return list(v / np.linalg.norm(v))


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[httpx2.Headers] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        self.headers.append(request.headers)
        data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)} for i, t in enumerate(body["input"])]
        data.reverse()  # the API does not promise order: the adapter sorts by index
        return httpx2.Response(
            200,
            json={
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            },
        )


def embedder(handler: Handler) -> OpenAIEmbedder:
    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return OpenAIEmbedder(make_openai_client("sk-test", timeout=10.0, http_client=http))


def test_a_short_text_is_one_request_for_1536_dimensions() -> None:
    api = FakeOpenAI()
    [vector] = embedder(api).embed(["My first job was at the bakery."])
    assert api.requests == [
        {
            "input": ["My first job was at the bakery."],
            "model": "text-embedding-3-small",
            "dimensions": 1536,
            "encoding_format": "float",
        }
    ]
    assert api.headers[0]["authorization"] == "Bearer sk-test"
    assert len(vector) == 1536
    np.testing.assert_allclose(vector, fake_vector("My first job was at the bakery."), atol=1e-9)


def test_chunks_never_exceed_the_token_bound_and_cover_the_whole_text() -> None:
    text = ("Grandpa’s café — naïve 😀 stories. " * 900) + "x" * 20_000  # multi-byte chars and one huge word
    chunks = chunk_text(text)
    assert "".join(chunks) == text  # nothing lost, nothing reordered
    assert all(len(c.encode("utf-8")) <= MAX_INPUT_TOKENS for c in chunks)  # bytes >= tokens for byte-level BPE
    assert len(chunks) > 1


def test_a_long_text_is_embedded_as_the_weighted_mean_of_its_chunks() -> None:
    api = FakeOpenAI()
    long_text = "We crossed the mountains in winter. " * 600  # 21,600 bytes: over 8191
    [vector] = embedder(api).embed([long_text])
    chunks = chunk_text(long_text)
    assert len(chunks) == 3 and api.requests[0]["input"] == chunks  # all chunks in one request
    weights = np.array([len(c.encode()) for c in chunks], dtype=float)
    expected = (np.array([fake_vector(c) for c in chunks]) * weights[:, None]).sum(axis=0)
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), atol=1e-9)
    assert np.linalg.norm(vector) == pytest.approx(1.0)


def test_an_empty_text_is_refused_without_a_request() -> None:
    api = FakeOpenAI()
    with pytest.raises(PermanentError, match="empty"):
        embedder(api).embed(["   "])
    assert api.requests == []


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            429,
            {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
            TransientError,
        ),
        (
            429,
            {
                "error": {
                    "message": "You exceeded your current quota",
                    "type": "insufficient_quota",
                    "code": "insufficient_quota",
                }
            },
            PermanentError,
        ),
        (500, {"error": {"message": "The server had an error", "type": "server_error"}}, TransientError),
        (503, {"error": {"message": "Overloaded", "type": "server_error"}}, TransientError),
        (
            401,
            {
                "error": {
                    "message": "Incorrect API key provided",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
            PermanentError,
        ),
        (
            400,
            {
                "error": {
                    "message": "This model's maximum context length is 8192 tokens",
                    "type": "invalid_request_error",
                }
            },
            PermanentError,
        ),
    ],
)
def test_http_errors_are_mapped_with_openais_message(status: int, body: dict[str, Any], kind: type[Exception]) -> None:
    calls = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return httpx2.Response(status, json=body)

    with pytest.raises(kind, match=body["error"]["message"]) as raised:
        embedder(handler).embed(["hello"])
    assert type(raised.value) is kind
    assert len(calls) == 1  # SDK retries are off: the state machine is the one retry layer


def test_a_timeout_is_transient() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    with pytest.raises(TransientError, match="APITimeoutError"):
        embedder(handler).embed(["hello"])


def test_a_wrong_number_of_dimensions_is_permanent() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200,
            json={
                "object": "list",
                "model": "m",
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
                "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
            },
        )

    with pytest.raises(PermanentError, match="1536"):
        embedder(handler).embed(["hello"])
