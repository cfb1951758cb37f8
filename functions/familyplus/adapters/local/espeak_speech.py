"""`EspeakSpeech`: the offline voice — eSpeak NG from the `espeakng-loader` wheel, driven through ctypes.

The wheel ships libespeak-ng and its data (no system package). It has no Python API beyond locating the
library, and the PyPI bindings either shell out to an `espeak-ng` binary or only phonemise, so the few C
calls needed (initialise, pick a voice, set rate/pitch, synthesise synchronously into a callback) are
declared here by hand. The library keeps global state, so one lock serialises all synthesis in a process.
"""

from __future__ import annotations

import array
import ctypes
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

from familyplus.errors import ConfigurationError, PermanentError

# espeak_ng/speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _VOLUME, _PITCH, _RANGE, _WORDGAP = 1, 2, 3, 4, 7
_MAX_TEXT_CHARS = 20_000

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass(frozen=True)
class EspeakVoice:
    """An eSpeak voice: `name` is a voice file (`en-us`), optionally `+variant` (`en-us+m3`);
    `rate` in words per minute, `pitch` and `range` 0-100, `word_gap` in units of 10 ms."""

    name: str = "en-us"
    rate: int = 165
    pitch: int = 50
    range: int = 50
    word_gap: int = 0


#: Two clearly different speakers for the podcast: a brighter host, a slower, lower narrator.
DEFAULT_VOICES: dict[str, EspeakVoice] = {
    "host": EspeakVoice(name="en-us+m3", rate=165, pitch=58, range=60),
    "narrator": EspeakVoice(name="en-us", rate=155, pitch=40, range=45, word_gap=1),
}


class _Engine:
    """The process-wide libespeak-ng: loaded and initialised once."""

    _lock = threading.Lock()  # guards creation
    _synth_lock = threading.Lock()  # guards the library's global synthesis state
    _instance: _Engine | None = None

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise ConfigurationError("the offline voice needs the espeakng-loader package") from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
        if rate <= 0:
            raise ConfigurationError(f"libespeak-ng failed to initialise (returned {rate})")
        self.lib = lib
        self.sample_rate = rate
        self._samples = array.array("h")
        self._callback = _SynthCallback(self._collect)  # kept referenced: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None) -> int:
        if count > 0:
            self._samples.extend(wav[:count])
        return 0  # 0 = continue synthesis

    @classmethod
    def get(cls) -> _Engine:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def synthesize(self, text: str, voice: EspeakVoice) -> array.array[int]:
        with self._synth_lock:
            if self.lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise ConfigurationError(f"eSpeak NG has no voice {voice.name!r}")
            for param, value in (
                (_RATE, voice.rate),
                (_PITCH, voice.pitch),
                (_RANGE, voice.range),
                (_WORDGAP, voice.word_gap),
                (_VOLUME, 100),
            ):
                self.lib.espeak_SetParameter(param, value, 0)
            self._samples = array.array("h")
            data = text.encode("utf-8")
            status = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            if status != 0:
                raise PermanentError(f"eSpeak NG could not synthesise the text (status {status})")
            return self._samples  # native-endian int16: little-endian on x86-64 and arm64, as WAV wants


class EspeakSpeech:
    """The `Speech` port, offline. `voices` maps logical voices (`host`, `narrator`) to eSpeak settings."""

    def __init__(self, voices: dict[str, EspeakVoice] | None = None) -> None:
        self.voices = dict(voices or DEFAULT_VOICES)
        self._engine = _Engine.get()

    @property
    def sample_rate(self) -> int:
        return self._engine.sample_rate

    def synthesize(self, text: str, *, voice: str, dst: Path) -> Path:
        clean = " ".join(text.split())
        if not clean:
            raise PermanentError("nothing to say: the text is empty")
        if len(clean) > _MAX_TEXT_CHARS:
            raise PermanentError(f"text is {len(clean)} characters; one segment takes at most {_MAX_TEXT_CHARS}")
        settings = self.voices.get(voice)
        if settings is None:
            raise PermanentError(f"unknown voice {voice!r}; known: {', '.join(sorted(self.voices))}")
        samples = self._engine.synthesize(clean, settings)
        if not samples:
            raise PermanentError("eSpeak NG produced no audio for the text")
        dst.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(dst), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(samples.tobytes())
        return dst
