"""The fetcher's address pinning on a real TLS connection: it connects to the checked IP, and still verifies
the server's certificate against the host *name* (SNI) — so pinning neither skips nor breaks TLS checks.

The server is local (127.0.0.1, which `fetch` itself refuses), so the test drives `open_pinned`, the step
`fetch` takes once the URL and its addresses have passed the checks.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from familyplus.adapters.shared.https_fetcher import HttpsFetcher

HOST = "media.familyplus.test"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Handler(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str | None, str | None]]] = []  # (Host header, SNI) of each request

    def do_GET(self) -> None:
        sni = getattr(self.request, "sni", None)
        Handler.seen.append((self.headers.get("Host"), sni))
        body = b"RIFF-clip"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_sni(sock: ssl.SSLObject, name: str, _ctx: ssl.SSLContext) -> None:
        sock.sni = name  # type: ignore[attr-defined]

    context.sni_callback = remember_sni
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    Handler.seen.clear()
    try:
        yield httpd.server_address[1], cert
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_pinned_connection_verifies_the_certificate_for_the_host_name(server: tuple[int, Path]) -> None:
    port, cert = server
    fetcher = HttpsFetcher([HOST], verify=ssl.create_default_context(cafile=str(cert)))
    pinned = httpx.URL(f"https://127.0.0.1:{port}/clip.wav")
    assert ipaddress.ip_address(pinned.host).is_loopback  # the connection goes to the IP …
    response = fetcher.open_pinned(pinned, HOST)
    try:
        assert response.status_code == 200 and response.read() == b"RIFF-clip"
    finally:
        response.close()
    assert Handler.seen == [(HOST, HOST)]  # … while Host and SNI name the site


def test_a_certificate_for_another_name_is_refused(server: tuple[int, Path]) -> None:
    port, cert = server
    fetcher = HttpsFetcher(["cdn.familyplus.test"], verify=ssl.create_default_context(cafile=str(cert)))
    with pytest.raises(httpx.ConnectError, match="certificate"):
        fetcher.open_pinned(httpx.URL(f"https://127.0.0.1:{port}/clip.wav"), "cdn.familyplus.test")
    assert Handler.seen == []
