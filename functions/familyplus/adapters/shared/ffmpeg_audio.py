"""`FfmpegAudio`: the `Audio` port on the FFmpeg command line (both profiles: Lambda layer or imageio-ffmpeg).

Only the `ffmpeg` binary is assumed — imageio-ffmpeg ships no `ffprobe` — so probing parses the input
summary `ffmpeg -i` prints (decoding the file when the header has no duration, as in a browser's WebM
recording), and loudness is measured with the `ebur128` filter. Every failure a caller can do something
about is a `PermanentError` that names the problem (empty, not audio, truncated, …).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from familyplus.adapters.shared.input_formats import ALLOWED_DEMUXERS, ALLOWED_PROTOCOLS, sniff
from familyplus.errors import ConfigurationError, PermanentError, TransientError
from familyplus.models.audio import AudioChunk, AudioInfo, JoinedAudio, Loudness

SPEECH_SAMPLE_RATE = 16_000
#: The highest rate `concat` joins at (the podcast's own); segments at a lower rate are joined at theirs.
PODCAST_RATE = 44_100
#: A decoded file shorter than its header's duration by more than this (and 2 %) is truncated.
_TRUNCATION_SLACK_S = 0.5
_DURATION = re.compile(r"Duration: (?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)")
_INPUT = re.compile(r"^Input #0, ([^,]+(?:,[^,]+)*?), from ", re.M)
_AUDIO = re.compile(r"Stream #0:\d+[^:]*: Audio: ([A-Za-z0-9_]+)[^,\n]*, (\d+) Hz, ([^,\n]+)")
_ANY_STREAM = re.compile(r"Stream #0:\d+[^:]*: (\w+):")
_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}
#: FFmpeg's words for "this file ends too early" (a download cut short, an upload interrupted).
_TRUNCATION_SIGNS = ("Packet corrupt", "filesize and duration do not match", "End of file", "partial file")


def default_ffmpeg() -> str:
    """The FFmpeg shipped by the imageio-ffmpeg wheel (local profile; the Lambda layer sets a path instead)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # the Lambda image has the layer's binary and no imageio-ffmpeg
        raise ConfigurationError("no FFmpeg: set FFMPEG_PATH or install imageio-ffmpeg") from exc
    return str(imageio_ffmpeg.get_ffmpeg_exe())


class FfmpegAudio:
    """The `Audio` port. `ffmpeg_path`: settings' FFMPEG_PATH (the layer's /opt/bin/ffmpeg), else the wheel's."""

    def __init__(self, ffmpeg_path: str | None = None, *, timeout_s: float = 600.0) -> None:
        self.ffmpeg = ffmpeg_path or default_ffmpeg()
        if not (os.path.isfile(self.ffmpeg) and os.access(self.ffmpeg, os.X_OK)):
            raise ConfigurationError(f"FFMPEG_PATH {self.ffmpeg!r} is not an executable file")
        self.timeout_s = timeout_s

    # --- plumbing ----------------------------------------------------------------------------------

    def _run(self, args: Sequence[str | os.PathLike[str]], *, what: str) -> subprocess.CompletedProcess[str]:
        command = [self.ffmpeg, "-hide_banner", "-nostdin", *_opened_safely(args)]
        try:
            return subprocess.run(
                command, capture_output=True, text=True, errors="replace", timeout=self.timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            # Inputs are capped in size and duration, so a timeout points at a starved machine: retryable.
            raise TransientError(f"FFmpeg took longer than {self.timeout_s:.0f} s to {what}") from exc

    def _checked(self, args: Sequence[str | os.PathLike[str]], *, what: str) -> subprocess.CompletedProcess[str]:
        done = self._run(args, what=what)
        if done.returncode != 0:
            raise PermanentError(f"FFmpeg could not {what}: {_last_error(done.stderr)}")
        return done

    @staticmethod
    def _readable(path: Path) -> None:
        if not path.exists():
            raise PermanentError(f"audio file {path.name!r} does not exist")
        if not path.is_file() or not os.access(path, os.R_OK):
            raise PermanentError(f"audio file {path.name!r} cannot be read (not a regular, readable file)")
        if path.stat().st_size == 0:
            raise PermanentError(f"audio file {path.name!r} is empty (0 bytes)")

    # --- the port ----------------------------------------------------------------------------------

    def probe(self, path: Path) -> AudioInfo:
        self._readable(path)
        log = self._run(["-i", path], what=f"read {path.name}").stderr  # exits 1: no output given, by design
        if "Error opening input" in log or "Invalid data found" in log.split("Input #0", 1)[0]:
            with path.open("rb") as head:
                raise PermanentError(f"audio file {path.name!r} {_open_failure(log, head.read(12))}")
        container = m.group(1) if (m := _INPUT.search(log)) else "unknown"
        audio = _AUDIO.search(log)
        if audio is None:
            kinds = ", ".join(sorted(set(_ANY_STREAM.findall(log)))) or "no streams"
            raise PermanentError(
                f"audio file {path.name!r} is not audio: it has no audio stream (FFmpeg reads it as "
                f"{container.split(',')[0]}: {kinds})"
            )
        if any(sign in log for sign in _TRUNCATION_SIGNS):
            raise PermanentError(f"audio file {path.name!r} is truncated: {_truncation_detail(log)}")
        if container == "wav" and (detail := _wav_truncation(path)):
            raise PermanentError(f"audio file {path.name!r} is truncated: {detail}")
        codec, rate, layout = audio.group(1), int(audio.group(2)), audio.group(3).strip()
        if codec == "none" or rate == 0:
            raise PermanentError(f"audio file {path.name!r} has an audio stream FFmpeg cannot decode ({codec})")
        duration = _header_duration(log)
        if duration is None:  # no duration in the header (some streams): decode to learn it
            duration = self._decoded_seconds(path)
        return AudioInfo(
            duration=duration, codec=codec, channels=_channels(layout), sample_rate=rate, container=container
        )

    def _decoded_seconds(self, path: Path) -> float:
        done = self._checked(["-i", path, "-map", "0:a:0", "-f", "null", "-"], what=f"decode {path.name}")
        times = _TIME.findall(done.stderr)
        if not times:
            raise PermanentError(f"audio file {path.name!r} decodes to no audio")
        h, m, s = times[-1]
        return int(h) * 3600 + int(m) * 60 + float(s)

    def to_speech_wav(self, src: Path, dst: Path) -> AudioInfo:
        source = self.probe(src)
        done = self._checked(
            [
                "-y",
                "-v",
                "error",
                "-i",
                src,
                "-map",
                "0:a:0",
                "-vn",
                "-ac",
                "1",
                "-ar",
                str(SPEECH_SAMPLE_RATE),
                "-c:a",
                "pcm_s16le",
                "-f",
                "wav",
                dst,
            ],
            what=f"convert {src.name} to 16 kHz mono WAV",
        )
        if not dst.exists() or dst.stat().st_size <= 44:
            raise PermanentError(f"audio file {src.name!r} decodes to no audio samples")
        out = self.probe(dst)
        if out.duration < 0.05:
            raise PermanentError(f"audio file {src.name!r} decodes to no audio samples")
        shortfall = source.duration - out.duration
        if shortfall > max(_TRUNCATION_SLACK_S, 0.02 * source.duration):
            detail = _last_error(done.stderr) if done.stderr.strip() else "no decoder error"
            raise PermanentError(
                f"audio file {src.name!r} is truncated or corrupt: its header says {source.duration:.1f} s but only "
                f"{out.duration:.1f} s decode ({detail})"
            )
        return out

    def split(self, src: Path, plan: Sequence[tuple[float, float]], *, dst_dir: Path) -> list[AudioChunk]:
        self.probe(src)  # not audio, truncated, unreadable: say so before cutting anything
        dst_dir.mkdir(parents=True, exist_ok=True)

        def cut(index: int, offset: float, length: float) -> AudioChunk:
            dst = dst_dir / f"chunk-{index:03d}.wav"
            # -ss before -i seeks the input; for PCM WAV that is sample-accurate and skips decoding the head.
            self._checked(
                [
                    "-y",
                    "-v",
                    "error",
                    "-ss",
                    f"{offset:.3f}",
                    "-t",
                    f"{length:.3f}",
                    "-i",
                    src,
                    "-map",
                    "0:a:0",
                    "-ac",
                    "1",
                    "-ar",
                    str(SPEECH_SAMPLE_RATE),
                    "-c:a",
                    "pcm_s16le",
                    dst,
                ],
                what=f"cut chunk {index} of {src.name}",
            )
            return AudioChunk(path=dst, offset=offset, duration=self.probe(dst).duration)

        # Each cut reads only its own stretch of the file, so they can run side by side (one FFmpeg per core,
        # and one more to cover process start-up): a long recording's chunks reach the transcriber sooner.
        with ThreadPoolExecutor(max_workers=min(3, max(1, len(plan)))) as pool:
            return list(pool.map(lambda item: cut(item[0], *item[1]), enumerate(plan)))

    def concat(self, paths: Sequence[Path], dst: Path, *, crossfade_seconds: float) -> JoinedAudio:
        if not paths:
            raise PermanentError("nothing to concatenate: no audio segments")
        # Probing is mostly starting FFmpeg: a few at once keep both cores busy instead of waiting on each.
        with ThreadPoolExecutor(max_workers=min(4, len(paths))) as pool:
            infos = list(pool.map(self.probe, paths))
        # acrossfade needs each side longer than the fade; keep fades short relative to the shortest piece.
        fade = max(0.0, min(crossfade_seconds, min(i.duration for i in infos) / 3))
        inputs: list[str | os.PathLike[str]] = []
        for path in paths:
            inputs += ["-i", path]
        # One sample format/rate/layout for all inputs (TTS voices differ). Mono: every segment is one voice,
        # and half the channels is half the work for every later pass (measuring, limiting, encoding). The
        # segments' own rate when they share one (TTS speaks at 22 or 24 kHz): the measuring passes then read
        # half the samples, and the MP3 encoder's resampler runs beside the encoder, in a thread of its own.
        rate = min(PODCAST_RATE, max(i.sample_rate for i in infos))
        # asetnsamples: FFmpeg 7.0's acrossfade ends its output early, at random, when it is fed the frames a
        # WAV demuxer gives (seen with segments already at the join's rate, where aresample passes them
        # through unchanged: most joins lost all but the first second or two). Even frames avoid it.
        graph = [
            f"[{i}:a]aresample={rate},asetnsamples=n=4096:p=0,aformat=sample_fmts=flt:channel_layouts=mono[s{i}]"
            for i in range(len(paths))
        ]
        last = "s0"
        for i in range(1, len(paths)):
            out = f"x{i}"
            if fade > 0:
                graph.append(f"[{last}][s{i}]acrossfade=d={fade:.3f}:c1=tri:c2=tri[{out}]")
            else:
                graph.append(f"[{last}][s{i}]concat=n=2:v=0:a=1[{out}]")
            last = out
        # The join is measured as it is written: the gain to apply is known without reading it back.
        graph.append(f"[{last}]asplit[joined][m];[m]{_ebur128('sample')}[measured]")
        log = self._checked(
            [
                "-nostats",
                "-y",
                *inputs,
                "-filter_complex",
                ";".join(graph),
                "-map",
                "[joined]",
                "-c:a",
                "pcm_f32le",
                dst,
                "-map",
                "[measured]",
                "-f",
                "null",
                "-",
            ],
            what=f"join {len(paths)} audio segments",
        ).stderr
        return JoinedAudio(info=self.probe(dst), loudness=_loudness(log, dst.name))

    def measure_loudness(self, path: Path, *, true_peak: bool = True) -> Loudness:
        self._readable(path)
        log = self._checked(
            [
                "-nostats",
                "-i",
                path,
                "-map",
                "0:a:0",
                "-af",
                _ebur128("true" if true_peak else "sample"),
                "-f",
                "null",
                "-",
            ],
            what=f"measure the loudness of {path.name}",
        ).stderr
        return _loudness(log, path.name)

    def limited_loudness(self, src: Path, *, gain_db: float, limit_db: float) -> float:
        self._readable(src)
        chain = f"{_gain_chain(gain_db, limit_db, 0.0)},{_ebur128('none')}"
        log = self._checked(
            ["-nostats", "-i", src, "-map", "0:a:0", "-af", chain, "-f", "null", "-"],
            what=f"measure the loudness of {src.name} after gain and limiter",
        ).stderr
        integrated = _number(r"I:\s+(-?[\d.]+|-inf) LUFS", log.rsplit("Summary:", 1)[-1])
        if integrated is None:
            raise PermanentError(f"could not read FFmpeg's loudness summary for {src.name}")
        return integrated

    def encode_mp3(
        self,
        src: Path,
        dst: Path,
        *,
        title: str,
        bitrate_kbps: int = 128,
        sample_rate: int = 44100,
        gain_db: float = 0.0,
        limit_db: float | None = None,
        trim_db: float = 0.0,
    ) -> AudioInfo:
        self._readable(src)
        chain = _gain_chain(gain_db, limit_db, trim_db)
        self._checked(
            [
                "-y",
                "-v",
                "error",
                "-i",
                src,
                "-map",
                "0:a:0",
                *(["-af", chain] if chain else []),
                "-ac",
                "1",
                "-c:a",
                "libmp3lame",
                "-b:a",
                f"{bitrate_kbps}k",
                # LAME's quality 7 ("fast") skips the slow noise-shaping search; 128 kbit/s for one channel of
                # speech leaves the bits that search would save to spare, and it halves the encoding time.
                "-compression_level",
                "7",
                "-ar",
                str(sample_rate),
                "-id3v2_version",
                "3",
                "-metadata",
                f"title={title}",
                "-f",
                "mp3",
                dst,
            ],
            what=f"encode {src.name} as MP3",
        )
        return self.probe(dst)


def _ebur128(peak: str) -> str:
    """The `ebur128` filter: `peak` is none, sample or true (4x oversampled, the costliest part). Mono is
    measured as dual mono (+3 dB), i.e. as a listener hears it from two speakers, so that −16 LUFS means the
    same loudness for a mono file as for a stereo one (AES TD1004's −16 LUFS stereo / −19 LUFS mono). The
    per-100 ms log goes to the verbose level: only the summary is read."""
    return f"ebur128=peak={peak}:dualmono=true:framelog=verbose"


def _gain_chain(gain_db: float, limit_db: float | None, trim_db: float) -> str:
    """Gain, then a look-ahead limiter for the peaks that gain pushes over `limit_db`, then a final trim.
    The limiter's level=0 keeps it from normalising its output; attack/release are short enough for speech."""
    chain = [f"volume={gain_db:.2f}dB"] if gain_db else []
    if limit_db is not None:
        chain.append(f"alimiter=limit={10 ** (limit_db / 20):.4f}:attack=5:release=50:level=0")
    if trim_db:
        chain.append(f"volume={trim_db:.2f}dB")
    return ",".join(chain)


def _loudness(log: str, name: str) -> Loudness:
    summary = log.rsplit("Summary:", 1)[-1]
    integrated = _number(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    lra = _number(r"LRA:\s+(-?[\d.]+) LU\b", summary)
    peak = _number(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if integrated is None or lra is None or peak is None:
        raise PermanentError(f"could not read FFmpeg's loudness summary for {name}")
    return Loudness(integrated_lufs=integrated, range_lu=lra, true_peak_dbtp=peak)


# --- opening inputs --------------------------------------------------------------------------------


def _opened_safely(args: Sequence[str | os.PathLike[str]]) -> list[str]:
    """`args` with every `-i FILE` opened as its sniffed container only, by the file protocol only.

    Done here, where every command passes, so that no call can open an input the permissive way: see
    `input_formats` for what a playlist or a concat list would otherwise make FFmpeg read.
    """
    out: list[str] = []
    items = [os.fspath(a) for a in args]
    for index, arg in enumerate(items):
        if arg != "-i" or index + 1 >= len(items):
            out.append(arg)
            continue
        source = items[index + 1]
        guard = ["-protocol_whitelist", ",".join(ALLOWED_PROTOCOLS)]
        if index >= 2 and items[index - 2] == "-f" and items[index - 1] == "lavfi":
            out += [*guard, arg]  # a generated input (a filter graph), not a file
            continue
        if ":" in source.split("/", 1)[0] and not source.startswith("file:"):
            raise ConfigurationError(f"FFmpeg input {source!r} is not a local file path")
        path = Path(source.removeprefix("file:"))
        fmt = sniff(path)
        out += [*guard, "-format_whitelist", ",".join(ALLOWED_DEMUXERS), "-f", fmt.demuxer, arg]
        items[index + 1] = f"file:{path.resolve()}"  # never read as a protocol or an option
    return out


# --- parsing helpers -------------------------------------------------------------------------------


def _header_duration(log: str) -> float | None:
    match = _DURATION.search(log)
    if match is None or match.group(1) is None:
        return None
    h, m, s = match.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def _channels(layout: str) -> int:
    layout = layout.split("(")[0].strip()
    if layout in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[layout]
    match = re.match(r"(\d+) channels", layout)
    return int(match.group(1)) if match else 1


def _number(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    if match is None:
        return None
    return -math.inf if match.group(1) == "-inf" else float(match.group(1))


def _last_error(log: str) -> str:
    lines = [line.strip() for line in log.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no error output"


def _open_failure(log: str, head: bytes) -> str:
    if "moov atom not found" in log and head[4:8] == b"ftyp":  # MP4 keeps its index at the end: a cut loses it
        return "is truncated: its MP4 index (moov atom) is missing"
    if "Invalid data found" in log:
        return "is not audio, or is in a format FFmpeg cannot read"
    if "End of file" in log:
        return "is truncated: it ends before its header is complete"
    if "Permission denied" in log:
        return "cannot be read (permission denied)"
    return f"cannot be opened: {_last_error(log)}"


def _wav_truncation(path: Path) -> str | None:
    """A WAV whose data chunk claims more bytes than the file holds was cut short. FFmpeg reads such a file
    without complaint (it estimates the duration from the file size), so the RIFF header is checked by hand.
    A size of 0 or 0xFFFFFFFF means "unknown" (a streamed recording) and is accepted."""
    size = path.stat().st_size
    with path.open("rb") as wav:
        if wav.read(12)[8:12] != b"WAVE":
            return None
        while True:
            header = wav.read(8)
            if len(header) < 8:
                return None
            chunk, length = header[:4], int.from_bytes(header[4:], "little")
            if chunk == b"data":
                if length in (0, 0xFFFFFFFF):
                    return None
                missing = wav.tell() + length - size
                if missing <= 1:  # a pad byte may be absent
                    return None
                return f"its header announces {length} bytes of audio, {missing} of them are missing"
            wav.seek(length + (length & 1), 1)


def _truncation_detail(log: str) -> str:
    for line in log.splitlines():
        if any(sign in line for sign in _TRUNCATION_SIGNS):
            return line.split("]", 1)[-1].strip()[:200]
    return "it ends early"
