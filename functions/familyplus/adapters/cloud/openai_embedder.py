"""`OpenAIEmbedder`: the `Embedder` port on OpenAI `text-embedding-3-small` (1536 dimensions).

Long inputs: the model accepts at most 8191 tokens per input. A text over the bound is split at whitespace
into chunks, all chunks are embedded (in one request when they fit), and the text's vector is the
length-weighted mean of its chunks' vectors, renormalised to unit length; so the whole answer counts, not
just its first pages (truncation would drop the end of a long life story).

The bound is on UTF-8 bytes, not tokens: OpenAI's tokenizers are byte-level BPE, every token stands for at
least one byte, so a chunk of at most 8191 bytes is at most 8191 tokens, provably. tiktoken would give
fewer, larger chunks, but it downloads its vocabulary file at run time (no network in tests, a cold-start
cost in Lambda); the byte bound costs the same (billing is per token) and needs nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

import openai

from familyplus.adapters.cloud.errors import for_status
from familyplus.errors import FamilyplusError, PermanentError, TransientError

PROVIDER = "openai"
MAX_INPUT_TOKENS = 8191
#: Limits of one embeddings request: inputs per request and tokens summed over all inputs.
MAX_BATCH_INPUTS = 2048
MAX_BATCH_TOKENS = 300_000
_PIECE = re.compile(r"\S+\s*|\s+")


def chunk_text(text: str, max_bytes: int = MAX_INPUT_TOKENS) -> list[str]:
    """Split `text` into pieces of at most `max_bytes` UTF-8 bytes, at whitespace where possible."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in _pieces(text, max_bytes):
        n = len(piece.encode("utf-8"))
        if size + n > max_bytes and current:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += n
    if current:
        chunks.append("".join(current))
    return [c for c in chunks if c.strip()]


def _pieces(text: str, max_bytes: int) -> Iterator[str]:
    """Words with their trailing whitespace; a single word over `max_bytes` is cut at character boundaries."""
    for match in _PIECE.finditer(text):
        word = match.group(0)
        while len(word.encode("utf-8")) > max_bytes:
            cut = len(word.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore"))
            yield word[:cut]
            word = word[cut:]
        if word:
            yield word


def map_openai_error(exc: Exception) -> FamilyplusError:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return TransientError(f"{PROVIDER}: {type(exc).__name__}: {exc}")
    if isinstance(exc, openai.APIStatusError):
        code = getattr(exc, "code", None)
        if code == "insufficient_quota":  # a 429 that no retry fixes: the account is out of credit
            return PermanentError(f"{PROVIDER} HTTP {exc.status_code}: {exc.message}")
        return for_status(PROVIDER, exc.status_code, exc.message)
    return PermanentError(f"{PROVIDER}: {type(exc).__name__}: {exc}")


class OpenAIEmbedder:
    """The `Embedder` port on OpenAI. Give it an `openai.OpenAI` built with `max_retries=0` and a timeout
    (see `make_openai_client`): the state machine is the one retry layer."""

    def __init__(self, client: openai.OpenAI, *, model: str = "text-embedding-3-small", dimensions: int = 1536) -> None:
        self.client = client
        self.model = model
        self.dimensions = dimensions

    @property
    def identity(self) -> str:
        return f"openai:{self.model}:{self.dimensions}:chunk-mean-v1"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        per_text = [chunk_text(text) for text in texts]
        for i, chunks in enumerate(per_text):
            if not chunks:
                raise PermanentError(f"{PROVIDER}: text {i} is empty: nothing to embed", field="text")
        flat = [chunk for chunks in per_text for chunk in chunks]
        vectors = self._embed_chunks(flat)
        out: list[list[float]] = []
        at = 0
        for chunks in per_text:
            block = vectors[at : at + len(chunks)]
            at += len(chunks)
            out.append(_weighted_unit_mean(block, [len(c.encode("utf-8")) for c in chunks]))
        return out

    def _embed_chunks(self, chunks: list[str]) -> list[list[float]]:
        rows: list[list[float]] = []
        for batch in _batches(chunks):
            try:
                response = self.client.embeddings.create(
                    model=self.model, input=batch, dimensions=self.dimensions, encoding_format="float"
                )
            except openai.OpenAIError as exc:
                raise map_openai_error(exc) from exc
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch) or any(len(d.embedding) != self.dimensions for d in data):
                raise PermanentError(
                    f"{PROVIDER}: {self.model} returned {len(data)} vectors for {len(batch)} inputs, or a vector "
                    f"that is not {self.dimensions}-dimensional"
                )
            rows.extend([float(x) for x in d.embedding] for d in data)
        return rows


def _weighted_unit_mean(vectors: list[list[float]], weights: list[int]) -> list[float]:
    """Σ wᵢ·vᵢ / Σ wᵢ, scaled to unit length (plain Python: the Lambda layer carries no numpy)."""
    if len(vectors) == 1:
        return vectors[0]
    total = sum(weights)
    mean = [math.fsum(w * v[i] for v, w in zip(vectors, weights, strict=True)) / total for i in range(len(vectors[0]))]
    norm = math.sqrt(math.fsum(x * x for x in mean))
    return [x / norm for x in mean] if norm else mean


def _batches(chunks: list[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        n = len(chunk.encode("utf-8"))  # an upper bound on its tokens
        if batch and (len(batch) == MAX_BATCH_INPUTS or size + n > MAX_BATCH_TOKENS):
            yield batch
            batch, size = [], 0
        batch.append(chunk)
        size += n
    if batch:
        yield batch


def make_openai_client(api_key: str, *, timeout: float, http_client: Any = None) -> openai.OpenAI:
    """SDK retries 0 (one retry layer), an explicit timeout; `http_client` (an `httpx2.Client`, the HTTP
    library of openai >= 3) lets tests mock HTTP."""
    import httpx2

    return openai.OpenAI(
        api_key=api_key,
        max_retries=0,
        timeout=httpx2.Timeout(timeout, connect=5.0),
        http_client=http_client,
    )
