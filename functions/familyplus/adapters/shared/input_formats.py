"""Which container an untrusted recording is, decided from its first bytes, before FFmpeg sees it.

FFmpeg left to itself picks a demuxer by probing and follows whatever the file says: an HLS playlist
(`#EXTM3U` … `../<other response>/recording.ogg`), an `ffconcat` list, a QuickTime data reference or a
`file:`/`http:` URL inside a playlist makes it read *another* file or the network and present that as the
upload. So an input is opened only as one of the recording containers below, named explicitly (`-f`), with
nested demuxers limited to the same allow-list (`-format_whitelist`) and the `file` protocol only
(`-protocol_whitelist`). Anything else is refused here with a message naming what the file looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from familyplus.errors import PermanentError

#: The FFmpeg demuxers a recording may be opened with: what phones, browsers and recorders produce.
ALLOWED_DEMUXERS = ("wav", "mp3", "aac", "ogg", "flac", "mov", "matroska", "aiff", "caf", "amr")
#: The only protocol FFmpeg may use for input: the local file we name (never http, concat, pipe, …).
ALLOWED_PROTOCOLS = ("file",)
_HEAD_BYTES = 64


@dataclass(frozen=True)
class SniffedFormat:
    demuxer: str  # the FFmpeg demuxer forced with -f
    label: str  # what to call it in messages


def sniff(path: Path) -> SniffedFormat:
    """The allowed container `path` is in, from its signature; PermanentError naming what it is otherwise."""
    try:
        with path.open("rb") as file:
            head = file.read(_HEAD_BYTES)
    except OSError as exc:
        raise PermanentError(f"audio file {path.name!r} cannot be read ({exc.strerror or exc})") from exc
    found = _recording(head)
    if found is not None:
        return found
    raise PermanentError(
        f"audio file {path.name!r} is not audio, or is in a format FFmpeg cannot read: {_describe(head)}; "
        "accepted recordings are WAV, MP3, AAC, Ogg (Vorbis/Opus), FLAC, MP4/M4A/MOV, WebM/Matroska, AIFF, "
        "CAF and AMR"
    )


def _recording(head: bytes) -> SniffedFormat | None:
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return SniffedFormat("wav", "WAV")
    if head[:4] == b"OggS":
        return SniffedFormat("ogg", "Ogg")
    if head[:4] == b"fLaC":
        return SniffedFormat("flac", "FLAC")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return SniffedFormat("matroska", "WebM/Matroska")
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return SniffedFormat("mov", "MP4/M4A/MOV")
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return SniffedFormat("aiff", "AIFF")
    if head[:4] == b"caff":
        return SniffedFormat("caf", "CAF")
    if head[:5] == b"#!AMR":
        return SniffedFormat("amr", "AMR")
    if head[:3] == b"ID3":
        return SniffedFormat("mp3", "MP3")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG audio frame sync: layer bits 00 are ADTS (AAC), anything else an MPEG-1/2 layer (MP3).
        return SniffedFormat("aac", "AAC") if head[1] & 0x06 == 0 else SniffedFormat("mp3", "MP3")
    return None


_NOT_AUDIO = (
    (b"#EXTM3U", "it is an M3U/HLS playlist"),
    (b"ffconcat", "it is an FFmpeg concat list"),
    (b"\x89PNG", "it is a PNG image"),
    (b"\xff\xd8\xff", "it is a JPEG image"),
    (b"GIF8", "it is a GIF image"),
    (b"%PDF", "it is a PDF document"),
    (b"PK\x03\x04", "it is a ZIP archive"),
    (b"[playlist]", "it is a PLS playlist"),
)


def _describe(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for signature, what in _NOT_AUDIO:
        if stripped.startswith(signature):
            return what
    if stripped[:1] == b"<":
        return "it is markup (HTML/XML)"
    if head and all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return "it is text"
    return "its first bytes match no audio container"
