"""Starting the console: where it may listen, and with what token.

Bound to a loopback address it needs no token (only this machine's users reach it, as with `aws sso login`'s
local page); bound anywhere else it refuses to start without one, because it shows executions' inputs and can
redrive and stop them.
"""

from __future__ import annotations

import ipaddress

from familyplus_local.console.app import create_console
from familyplus_local.console.backend import ConsoleBackend


class ConsoleSecurityError(ValueError):
    """The console would be reachable from other machines without a token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    if not is_loopback(host) and not token:
        raise ConsoleSecurityError(
            f"the console would listen on {host}, beyond this machine, without a token: "
            "give --token (or FAMILYPLUS_CONSOLE_TOKEN), or bind to 127.0.0.1"
        )


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """Host headers accepted: the console's own names (a page on another site cannot reach it by DNS
    rebinding). Bound to all interfaces, any Host is accepted (the token guards it)."""
    if host in ("0.0.0.0", "::"):
        return None
    names = {host, f"{host}:{port}"}
    if is_loopback(host):
        names |= {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}
    return names


def run_console(backend: ConsoleBackend, *, host: str, port: int, token: str | None) -> None:
    import uvicorn

    check_binding(host, token)
    app = create_console(backend, token=token, allowed_hosts=allowed_hosts(host, port))
    url = f"http://{host}:{port}/executions" + (f"?token={token}" if token else "")
    print(f"Family+ console ({backend.label}) on {url}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
