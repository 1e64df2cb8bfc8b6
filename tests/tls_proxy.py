"""Test-only TLS: certificates made with `cryptography`, and a TLS-terminating proxy on
loopback (ALPN h2, optional client-certificate check) in front of the plaintext dev server,
so TLS, mTLS and server-name checks run end to end against a real server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Issued:
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(
    folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> Issued:
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert_path, key_path)


class CertificateAuthority:
    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.files = _write(folder, name, self.cert, self.key)

    def issue(
        self, stem: str, names: list[str], *, client: bool = False, expired: bool = False
    ) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = (
            (now - datetime.timedelta(days=10), now - datetime.timedelta(days=5))
            if expired
            else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=30))
        )
        alt: list[x509.GeneralName] = []
        for n in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                alt.append(x509.DNSName(n))
        purposes = x509.oid.ExtendedKeyUsageOID
        usage = purposes.CLIENT_AUTH if client else purposes.SERVER_AUTH
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return _write(self.folder, stem, cert, key)


# HTTP/2 (RFC 9113): the client preface, frame types and flags the API-key check needs.
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, CONTINUATION = 0x0, 0x1, 0x9
END_STREAM, END_HEADERS, PADDED, PRIORITY = 0x1, 0x4, 0x8, 0x20
REFUSED_KEY = "invalid API key: the proxy expects authorization: Bearer <its key>"


async def _frame(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readexactly(9)
    return head + await reader.readexactly(int.from_bytes(head[:3], "big"))


def _stream(frame: bytes) -> int:
    return int.from_bytes(frame[5:9], "big") & 0x7FFFFFFF


def _header_block(frame: bytes) -> bytes:
    payload, flags = frame[9:], frame[4]
    if frame[3] == HEADERS:
        if flags & PADDED:
            payload = payload[1 : len(payload) - payload[0]]
        if flags & PRIORITY:
            payload = payload[5:]
    return payload


def _hpack_string(text: str) -> bytes:
    """An HPACK string literal, not Huffman-coded: a 7-bit-prefix length, then the bytes."""
    data, n = text.encode(), len(text.encode())
    if n < 127:
        return bytes([n]) + data
    length, n = bytearray([127]), n - 127
    while n >= 128:
        length.append(n % 128 + 128)
        n //= 128
    return bytes([*length, n]) + data


def grpc_unauthenticated(stream: int, message: str) -> bytes:
    """A trailers-only gRPC response UNAUTHENTICATED (16) on `stream`. Each header is a literal
    without indexing, so the client's HPACK table (shared with the server's answers) is
    left as it was."""
    block = b"".join(
        b"\x00" + _hpack_string(name) + _hpack_string(value)
        for name, value in [
            (":status", "200"),
            ("content-type", "application/grpc"),
            ("grpc-status", "16"),
            ("grpc-message", message),
        ]
    )
    return (
        len(block).to_bytes(3, "big")
        + bytes([HEADERS, END_HEADERS | END_STREAM])
        + stream.to_bytes(4, "big")
        + block
    )


async def _check_api_key(
    api_key: str,
    reader: asyncio.StreamReader,
    upstream: asyncio.StreamWriter,
    client: asyncio.StreamWriter,
    client_lock: asyncio.Lock,
) -> None:
    """Forwards the client's HTTP/2 frames, except requests whose `authorization` is not
    `Bearer <api_key>`: those are answered UNAUTHENTICATED here and never reach the server."""
    import hpack

    decoder = hpack.Decoder()
    refused: set[int] = set()
    held: list[bytes] = []
    upstream.write(await reader.readexactly(len(PREFACE)))
    while True:
        frame = await _frame(reader)
        kind, flags, stream = frame[3], frame[4], _stream(frame)
        if kind in (HEADERS, CONTINUATION):
            held.append(frame)
            if not flags & END_HEADERS:
                continue
            # Every block is decoded, in order, so the decoder's table follows the client's.
            headers = dict(decoder.decode(b"".join(_header_block(f) for f in held)))
            frames, held = held, []
            if ":path" in headers and headers.get("authorization") != f"Bearer {api_key}":
                refused.add(stream)
                async with client_lock:
                    client.write(grpc_unauthenticated(stream, REFUSED_KEY))
                    await client.drain()
                continue
            upstream.write(b"".join(frames))
        elif stream not in refused:
            upstream.write(frame)
        await upstream.drain()


async def _frames(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, lock: asyncio.Lock
) -> None:
    """Forwards whole frames, so a response the proxy makes never lands inside one."""
    while True:
        frame = await _frame(reader)
        async with lock:
            writer.write(frame)
            await writer.drain()


@contextlib.asynccontextmanager
async def tls_proxy(
    upstream: str, server: Issued, *, client_ca: Path | None = None, api_key: str | None = None
) -> AsyncIterator[str]:
    """Serves TLS on 127.0.0.1 and forwards the decrypted stream to `upstream`; with
    `client_ca`, clients must present a certificate that CA signed; with `api_key`, each
    request must carry `authorization: Bearer <api_key>` (else: UNAUTHENTICATED, as Temporal
    Cloud answers). Yields its address."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server.cert, server.key)
    context.set_alpn_protocols(["h2"])
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    up_host, up_port = upstream.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def checked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(up_host, int(up_port))
        lock = asyncio.Lock()
        with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            await asyncio.gather(
                _check_api_key(api_key or "", reader, up_writer, writer, lock),
                _frames(up_reader, writer, lock),
            )
        writer.close()
        up_writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if api_key is not None:
            await checked(reader, writer)
            return
        up_reader, up_writer = await asyncio.open_connection(up_host, int(up_port))
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    proxy = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = proxy.sockets[0].getsockname()[1]
    async with proxy:
        yield f"127.0.0.1:{port}"
        proxy.close()
