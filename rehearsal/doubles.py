"""Provider doubles on 127.0.0.1 that validate what they receive and can be told to misbehave.

* OpenAI embeddings (`POST /v1/embeddings`): Bearer key, model, input strings; answers deterministic unit
  vectors of the requested dimension (a hash of each input seeds them).
* Cartesia speech-to-text (`POST /stt`): Bearer key, Cartesia-Version, a multipart recording and the model;
  answers a transcript with word timings.
* Twilio Messages (`POST /2010-04-01/Accounts/{sid}/Messages.json`): basic auth, E.164 `To`, a body and a
  sender; answers a queued message.
* Bedrock Runtime Converse (`POST /model/{id}/converse`, reached through the front door so the call is
  policy-checked): the request is validated against botocore's own `bedrock-runtime` service model, the
  answer is a `toolUse` whose input is built from the request's tool JSON schema, and the answer is validated
  against the model's output shape before it is sent.

`Faults` makes the next N calls of a double answer 429, 500, time out, send a malformed body, or hold until
released.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

HOLD_S = 120.0


class DoubleError(ValueError):
    """What a double refused (shape, header, auth): recorded and answered as the provider would (4xx)."""


@dataclass
class Faults:
    """Queued misbehaviours per double: e.g. `faults.queue("openai", 429, times=2)`."""

    pending: dict[str, list[int | str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: "hold": the call waits (at most HOLD_S) until `released` is set, then is answered as usual; `holding`
    #: is set once a call waits, so a scenario can act while an execution is known to be mid-task.
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def queue(self, double: str, fault: int | str, *, times: int = 1) -> None:
        with self.lock:
            self.pending.setdefault(double, []).extend([fault] * times)

    def take(self, double: str) -> int | str | None:
        with self.lock:
            queued = self.pending.get(double) or []
            return queued.pop(0) if queued else None


@dataclass
class Exchange:
    double: str
    status: int
    refused: str | None = None


class Doubles:
    def __init__(
        self, *, openai_key: str, cartesia_key: str, twilio: tuple[str, str] = ("", ""), faults: Faults | None = None
    ) -> None:
        self.openai_key = openai_key
        self.cartesia_key = cartesia_key
        self.twilio_sid, self.twilio_token = twilio
        self.messages_sent = 0
        self.faults = faults or Faults()
        self.exchanges: list[Exchange] = []
        from botocore.session import get_session

        self._bedrock_model = get_session().get_service_model("bedrock-runtime")

    # --- OpenAI ------------------------------------------------------------------------------------

    def openai(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if method != "POST" or path.split("?")[0] != "/v1/embeddings":
            return 404, {"error": {"message": f"no route {method} {path}", "type": "invalid_request_error"}}
        if headers.get("authorization") != f"Bearer {self.openai_key}":
            raise DoubleError("Authorization is not 'Bearer <the OpenAI key from the secret>'")
        request = json.loads(body)
        inputs = request.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) and i for i in inputs):
            raise DoubleError("input must be a non-empty string or list of non-empty strings")
        if not isinstance(request.get("model"), str):
            raise DoubleError("model is missing")
        dimensions = int(request.get("dimensions") or 1536)
        data = []
        for index, text in enumerate(inputs):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            vector = np.random.default_rng(seed).normal(size=dimensions)
            vector /= np.linalg.norm(vector)
            embedding: Any = [round(float(x), 7) for x in vector]
            if request.get("encoding_format") == "base64":
                import base64

                embedding = base64.b64encode(vector.astype("<f4").tobytes()).decode()
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        tokens = sum(len(t.split()) for t in inputs)
        return 200, {
            "object": "list",
            "data": data,
            "model": request["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    # --- Cartesia speech-to-text --------------------------------------------------------------------

    def cartesia(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """`POST /stt` (multipart: `file`, `model`, word timestamps): a transcript whose words are timed."""
        if method != "POST" or path.split("?")[0] != "/stt":
            return 404, {"message": f"no route {method} {path}"}
        if headers.get("authorization") != f"Bearer {self.cartesia_key}":
            raise DoubleError("Authorization is not 'Bearer <the Cartesia key from the secret>'")
        if not headers.get("cartesia-version"):
            raise DoubleError("the Cartesia-Version header is missing")
        fields = _multipart(headers.get("content-type", ""), body)
        if not fields.get("file"):
            raise DoubleError("multipart field 'file' is missing or empty")
        if fields.get("model", b"").decode() != "ink-whisper":
            raise DoubleError("model must be ink-whisper")
        words = TRANSCRIPT.split()
        timed = [{"word": w, "start": i * 0.4, "end": i * 0.4 + 0.35} for i, w in enumerate(words)]
        return 200, {"text": TRANSCRIPT, "language": "en", "duration": len(words) * 0.4, "words": timed}

    def cartesia_tts(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """`POST /tts/bytes` (JSON: model_id, transcript, voice id, WAV pcm_s16le output): a WAV of a soft
        tone, 0.4 s per word (at least 1 s), at the requested sample rate."""
        if headers.get("authorization") != f"Bearer {self.cartesia_key}":
            raise DoubleError("Authorization is not 'Bearer <the Cartesia key from the secret>'")
        request = json.loads(body)
        if not str(request.get("transcript", "")).strip():
            raise DoubleError("transcript is empty")
        voice = request.get("voice") or {}
        if voice.get("mode") != "id" or not voice.get("id"):
            raise DoubleError("voice must be {mode: id, id: <a voice id>}")
        output = request.get("output_format") or {}
        if output.get("container") != "wav" or output.get("encoding") != "pcm_s16le":
            raise DoubleError("output_format must be wav / pcm_s16le")
        rate = int(output.get("sample_rate") or 44100)
        seconds = max(1.0, 0.4 * len(str(request["transcript"]).split()))  # about speech pace, never a blip
        samples = (0.2 * np.sin(2 * np.pi * 220 * np.arange(int(rate * seconds)) / rate) * 32767).astype("<i2")
        import io
        import wave

        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(samples.tobytes())
        return 200, buffer.getvalue()

    def cartesia_routes(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if path.split("?")[0] == "/tts/bytes" and method == "POST":
            return self.cartesia_tts(method, path, headers, body)
        return self.cartesia(method, path, headers, body)

    # --- Twilio Messages ---------------------------------------------------------------------------

    def twilio(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """`POST /2010-04-01/Accounts/{sid}/Messages.json`: basic auth, form `To` (E.164), `Body`, a sender."""
        import base64
        import re
        from urllib.parse import parse_qs

        expected = f"/2010-04-01/Accounts/{self.twilio_sid}/Messages.json"
        if method != "POST" or path != expected:
            return 404, {"code": 20404, "message": f"The requested resource {path} was not found"}
        token = base64.b64encode(f"{self.twilio_sid}:{self.twilio_token}".encode()).decode()
        if headers.get("authorization") != f"Basic {token}":
            raise DoubleError("Authorization is not HTTP basic auth with the account SID and auth token")
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if not re.fullmatch(r"\+[1-9]\d{6,14}", form.get("To", "")):
            raise DoubleError("To is not an E.164 number")
        if not form.get("Body"):
            raise DoubleError("Body is empty")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            raise DoubleError("neither From nor MessagingServiceSid is set")
        self.messages_sent += 1
        sid = f"SM{self.messages_sent:032d}"
        return 201, {"sid": sid, "status": "queued", "to": form["To"], "account_sid": self.twilio_sid}

    # --- Bedrock Converse ------------------------------------------------------------------------

    def bedrock(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """A ServiceHandler for the front door (`bedrock` service)."""
        fault = self.faults.take("bedrock")
        if fault is not None:
            return self._bedrock_fault(fault)
        from botocore.exceptions import ParamValidationError
        from botocore.validate import validate_parameters

        operation = self._bedrock_model.operation_model("Converse")
        if method != "POST" or not path.endswith("/converse"):
            return self._bedrock_error(400, "ValidationException", f"unsupported {method} {path}")
        try:
            request = json.loads(body)
            model_id = path.split("/model/", 1)[1].rsplit("/converse", 1)[0]
            validate_parameters({"modelId": model_id, **request}, operation.input_shape)
            tool = request["toolConfig"]["tools"][0]["toolSpec"]
            answer = instance_of(tool["inputSchema"]["json"])
        except (ParamValidationError, KeyError, IndexError, ValueError) as exc:
            self.exchanges.append(Exchange("bedrock", 400, str(exc).splitlines()[0]))
            return self._bedrock_error(400, "ValidationException", str(exc).splitlines()[0])
        response = {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": tool["name"], "input": answer}}],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": len(body) // 4, "outputTokens": 50, "totalTokens": len(body) // 4 + 50},
            "metrics": {"latencyMs": 5},
        }
        validate_parameters(response, operation.output_shape)
        self.exchanges.append(Exchange("bedrock", 200))
        return 200, {"Content-Type": "application/json"}, json.dumps(response).encode()

    def _bedrock_fault(self, fault: int | str) -> tuple[int, dict[str, str], bytes]:
        self.exchanges.append(Exchange("bedrock", fault if isinstance(fault, int) else 200, f"fault {fault}"))
        if fault == 429:
            return self._bedrock_error(429, "ThrottlingException", "Too many requests (rehearsal fault)")
        if fault == "malformed":
            return 200, {"Content-Type": "application/json"}, b'{"output": '
        if fault == "timeout":
            time.sleep(60)
        return self._bedrock_error(500, "InternalServerException", "rehearsal fault")

    def _bedrock_error(self, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
        return status, headers, json.dumps({"message": message}).encode()


#: What the transcription double hears in any recording (the recording's own words are not checked).
TRANSCRIPT = "I remember my first job at the bakery. My father said to always show up early and work hard."


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body (name -> bytes), parsed with the standard library."""
    from email.parser import BytesParser
    from email.policy import HTTP

    if not content_type.startswith("multipart/form-data"):
        raise DoubleError("the body is not multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if name:
            fields[str(name)] = payload if isinstance(payload, bytes) else b""
    return fields


def instance_of(schema: dict[str, Any]) -> Any:
    """The smallest JSON value a JSON schema accepts, with one item per list (a tag, a quote, ...)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "anyOf" in schema:
        return instance_of(schema["anyOf"][0])
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: instance_of(sub) for name, sub in properties.items()}
    if kind == "array":
        return [instance_of(schema.get("items", {}))] if schema.get("maxItems", 1) else []
    if kind in ("number", "integer"):
        low = schema.get("minimum", 0)
        high = schema.get("maximum", low + 1)
        value = (low + high) / 2
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    return "A rehearsal answer."[: schema.get("maxLength", 100)].ljust(schema.get("minLength", 1), ".")


@contextmanager
def serve_json(handler: Any, faults: Faults, name: str, exchanges: list[Exchange]) -> Iterator[str]:
    """A double as an HTTP server on 127.0.0.1; `handler(method, path, headers, body) -> (status, json)`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            fault = faults.take(name)
            data: bytes
            if fault == "hold":
                faults.holding.set()
                faults.released.wait(HOLD_S)
                fault = None
            if fault == "timeout":
                time.sleep(120)
            if fault == "malformed":
                status, data = 200, b'{"data": ['
            elif isinstance(fault, int):
                status = fault
                data = json.dumps(
                    {
                        "error": {
                            "message": f"rehearsal fault {fault}",
                            "type": "rate_limit_error" if fault == 429 else "server_error",
                        }
                    }
                ).encode()
            else:
                try:
                    status, answer = handler(self.command, self.path, headers, body)
                    data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                    exchanges.append(Exchange(name, status))
                except (DoubleError, ValueError, KeyError) as exc:
                    status, data = (
                        401 if "Authorization" in str(exc) else 400,
                        json.dumps({"error": {"message": str(exc)}}).encode(),
                    )
                    exchanges.append(Exchange(name, status, str(exc)))
            if fault is not None:
                exchanges.append(Exchange(name, status, f"fault {fault}"))
            self.send_response(status)
            self.send_header("Content-Type", "audio/wav" if data[:4] == b"RIFF" else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"double-{name}", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
