"""Contract of TwilioNotifier against Twilio's Messages API (httpx.MockTransport): request shape, auth,
form fields, error mapping."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import httpx
import pytest

from familyplus.adapters.shared.twilio_notifier import TwilioNotifier
from familyplus.errors import DeliveryUncertainError, PermanentError, TransientError

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "secret-token"


def notifier(handler: object, sender: str = "+15005550006") -> TwilioNotifier:
    client = httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    return TwilioNotifier(SID, TOKEN, sender, client=client)


def test_send_posts_the_form_with_basic_auth_and_returns_the_sid() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "SM123", "status": "queued"})

    assert notifier(handler).send("+15551234567", "Hello “quote”", idempotency_key="k") == "SM123"
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    form = parse_qs(request.content.decode())
    assert form == {"To": ["+15551234567"], "From": ["+15005550006"], "Body": ["Hello “quote”"]}


def test_a_messaging_service_sender_is_sent_as_messaging_service_sid() -> None:
    seen: list[dict[str, list[str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(request.content.decode()))
        return httpx.Response(201, json={"sid": "SM1"})

    notifier(handler, sender="MG0123").send("+1555", "x", idempotency_key="k")
    assert seen[0]["MessagingServiceSid"] == ["MG0123"] and "From" not in seen[0]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (429, {"code": 20429, "message": "Too Many Requests"}, TransientError),
        (500, {"code": 20500, "message": "Internal Server Error"}, TransientError),
        (503, None, TransientError),
        (400, {"code": 21211, "message": "The 'To' number +1 is not a valid phone number."}, PermanentError),
        (401, {"code": 20003, "message": "Authenticate"}, PermanentError),
        (404, {"code": 20404, "message": "not found"}, PermanentError),
    ],
)
def test_error_mapping(status: int, body: dict[str, object] | None, error: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body) if body else httpx.Response(status, text="upstream")

    with pytest.raises(error) as raised:
        notifier(handler).send("+1555", "x", idempotency_key="k")
    assert f"HTTP {status}" in str(raised.value)
    assert type(raised.value) is error  # 4xx is never a TransientError subclass, 429/5xx never permanent
    if body:
        assert str(body["message"]) in str(raised.value)


def test_connect_failure_is_transient_but_a_read_timeout_is_uncertain() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TransientError) as raised:
        notifier(refuse).send("+1", "x", idempotency_key="k")
    assert not isinstance(raised.value, DeliveryUncertainError)
    with pytest.raises(DeliveryUncertainError):
        notifier(hang).send("+1", "x", idempotency_key="k")


def test_bootstrap_picks_twilio_only_with_keys(tmp_path: object) -> None:
    from familyplus.adapters.local.outbox_notifier import OutboxNotifier
    from familyplus.bootstrap import build
    from familyplus.settings import Settings

    local = build(Settings(profile="local", data_dir=tmp_path, _env_file=None))
    assert isinstance(local.notifier, OutboxNotifier)
    keyed = build(
        Settings(
            profile="local",
            data_dir=tmp_path,
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,
            twilio_from="+15005550006",
            _env_file=None,
        )
    )
    assert isinstance(keyed.notifier, TwilioNotifier)
