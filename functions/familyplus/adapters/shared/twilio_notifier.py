"""`TwilioNotifier`: the `Notifier` port on Twilio's Programmable Messaging REST API (SMS).

`POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `Body` and
`From` (a number) or `MessagingServiceSid` (an `MG…` sender), HTTP basic auth (account SID, auth token).
Plain httpx rather than the twilio SDK: one request, and the SDK would add its own retry/transport layer
(DESIGN.md §3: the state machine/scheduler is the only retry layer).

Errors: 429 and 5xx → TransientError (Twilio did not accept the message); other 4xx → PermanentError (bad
number, auth, unsubscribed recipient …) with Twilio's code and message; a failure to connect → TransientError;
a timeout or broken connection after the request was sent → DeliveryUncertainError (it may have gone out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from familyplus.errors import ConfigurationError, DeliveryUncertainError, PermanentError, TransientError

if TYPE_CHECKING:
    from familyplus.settings import Settings

API = "https://api.twilio.com/2010-04-01"
PROVIDER = "twilio"


class TwilioNotifier:
    channel = "sms"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        timeout: float = 15.0,
        client: httpx.Client | None = None,
        api: str = API,
    ) -> None:
        if not sender:
            raise ValueError("Twilio needs a sender: set FAMILYPLUS_TWILIO_FROM (a number or an MG… service SID)")
        self.account_sid = account_sid
        self.sender = sender
        self.api = api.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout)
        self._auth = httpx.BasicAuth(account_sid, auth_token)

    @property
    def url(self) -> str:
        return f"{self.api}/Accounts/{self.account_sid}/Messages.json"

    def send(self, recipient: str, body: str, *, idempotency_key: str) -> str:
        form = {"To": recipient, "Body": body}
        form["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        try:
            response = self._client.post(self.url, data=form, auth=self._auth)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"{PROVIDER}: could not connect: {exc}") from exc
        except httpx.TransportError as exc:  # read/write timeout, dropped connection: the request may have landed
            raise DeliveryUncertainError(
                f"{PROVIDER}: {type(exc).__name__} after sending {idempotency_key}; not re-sent automatically"
            ) from exc
        if response.status_code >= 400:
            detail = _detail(response)
            message = f"{PROVIDER} HTTP {response.status_code}: {detail}"
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientError(message)
            raise PermanentError(message, field="recipient" if "To" in detail else None)
        sid = _json(response).get("sid")
        if not isinstance(sid, str):
            raise DeliveryUncertainError(f"{PROVIDER}: accepted (HTTP {response.status_code}) but no message sid")
        return sid


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _detail(response: httpx.Response) -> str:
    data = _json(response)
    if "message" in data:
        return f"{data.get('code', '')} {data['message']}".strip()
    return response.text[:200] or response.reason_phrase


def twilio_from_settings(settings: Settings) -> TwilioNotifier | None:
    """The Twilio notifier when its keys are set (either profile), else None; keys without a sender are refused."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    if not settings.twilio_from:
        raise ConfigurationError("FAMILYPLUS_TWILIO_FROM is not set (needed with the Twilio keys)")
    return TwilioNotifier(
        settings.twilio_account_sid.get_secret_value(),
        settings.twilio_auth_token.get_secret_value(),
        settings.twilio_from,
        timeout=settings.provider_timeout,
        api=settings.twilio_api_url,
    )
