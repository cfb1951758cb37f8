"""Make the bundled sample recording: clear speech from the offline voice, as a small Opus file.

    .venv/bin/python samples/audio/make_sample_audio.py

Writes `first_job.ogg` (Ogg Opus, mono, 32 kbit/s) beside this script from `first_job.txt`, the reference
text the offline transcriber's word error rate is measured against. The committed file was made with this
script; rerunning it is only needed when the text changes.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from familyplus.adapters.shared.ffmpeg_audio import FfmpegAudio
from familyplus.adapters.local.espeak_speech import EspeakSpeech, EspeakVoice

HERE = Path(__file__).resolve().parent
TEXT = HERE / "first_job.txt"
OUTPUT = HERE / "first_job.ogg"
#: A calm storyteller: a little slower than eSpeak's default, so every word is clear.
VOICE = EspeakVoice(name="en-us", rate=150, pitch=45, range=50)


def make(text_path: Path = TEXT, output: Path = OUTPUT) -> Path:
    speech = EspeakSpeech({"storyteller": VOICE})
    ffmpeg = FfmpegAudio().ffmpeg
    with tempfile.TemporaryDirectory() as tmp:
        wav = speech.synthesize(text_path.read_text(encoding="utf-8"), voice="storyteller", dst=Path(tmp) / "s.wav")
        subprocess.run(
            [ffmpeg, "-hide_banner", "-v", "error", "-y", "-i", str(wav), "-ac", "1", "-c:a", "libopus",
             "-b:a", "32k", "-metadata", "title=My first job (Family+ sample)", str(output)],
            check=True,
        )
    return output


if __name__ == "__main__":
    path = make()
    print(f"wrote {path} ({path.stat().st_size} bytes)")
