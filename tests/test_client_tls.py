"""TLS, mTLS, server-name override and API key with TLS, end to end through a
TLS-terminating proxy in front of the real dev server."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.temporal import (
    DevServer,
    TemporalClientManager,
    TemporalConfig,
    TemporalConnectionError,
    TemporalError,
    TLSConfig,
)
from tests.tls_proxy import REFUSED_KEY, CertificateAuthority, Issued, tls_proxy


@dataclass
class Pki:
    ca: Path
    server: Issued
    named: Issued
    client: Issued
    foreign: Issued
    expired: Issued

    def mtls(self, who: Issued) -> TLSConfig:
        return TLSConfig(
            server_root_ca_cert=self.ca, client_cert=who.cert, client_private_key=who.key
        )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca, other = CertificateAuthority(folder, "test-ca"), CertificateAuthority(folder, "other-ca")
    return Pki(
        ca=ca.files.cert,
        server=ca.issue("server", ["127.0.0.1"]),
        named=ca.issue("named", ["temporal.test"]),
        client=ca.issue("client", ["worker-1"], client=True),
        foreign=other.issue("foreign", ["worker-2"], client=True),
        expired=ca.issue("expired", ["worker-3"], client=True, expired=True),
    )


async def count_through(address: str, tls: TLSConfig, api_key: str | None = None) -> int:
    config = TemporalConfig(env_file=None, host=address, connect_timeout=5)
    async with TemporalClientManager(config=config, tls_config=tls, api_key=api_key) as manager:
        return await manager.client.count_workflows()


async def test_tls_with_a_private_ca(dev_server: DevServer, pki: Pki) -> None:
    ca = pki.ca
    async with tls_proxy(dev_server.address, pki.server) as address:
        assert await count_through(address, TLSConfig(server_root_ca_cert=ca)) >= 0
        # PEM bytes work as well as paths.
        assert await count_through(address, TLSConfig(server_root_ca_cert=ca.read_bytes())) >= 0
        with pytest.raises(TemporalConnectionError) as info:
            await count_through(address, TLSConfig())  # the system roots do not know the CA
        assert info.value.cause == "TLS handshake failed"


async def test_server_name_override(dev_server: DevServer, pki: Pki) -> None:
    ca = pki.ca
    async with tls_proxy(dev_server.address, pki.named) as address:
        tls = TLSConfig(server_root_ca_cert=ca, domain="temporal.test")
        assert await count_through(address, tls) >= 0
        with pytest.raises(TemporalConnectionError, match="TLS handshake failed"):
            await count_through(address, TLSConfig(server_root_ca_cert=ca))


async def test_mutual_tls(dev_server: DevServer, pki: Pki) -> None:
    ca = pki.ca
    async with tls_proxy(dev_server.address, pki.server, client_ca=ca) as address:
        right = pki.mtls(pki.client)
        assert await count_through(address, right) >= 0
        # with an API key too: both travel together
        assert await count_through(address, right, api_key="sk-both") >= 0
        for wrong in (pki.foreign, pki.expired):
            with pytest.raises(TemporalConnectionError) as info:
                await count_through(address, pki.mtls(wrong))
            assert address in str(info.value)
        with pytest.raises(TemporalConnectionError):
            await count_through(address, TLSConfig(server_root_ca_cert=ca))


async def test_api_key_travels_as_a_bearer_token_and_a_wrong_one_is_refused(
    dev_server: DevServer, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    """The proxy answers UNAUTHENTICATED unless `authorization: Bearer <key>` is right, as
    Temporal Cloud does; neither key shows up in errors or logs."""
    caplog.set_level(logging.DEBUG, logger="app.temporal")
    right, wrong = f"sk-right-{uuid.uuid4().hex}", f"sk-wrong-{uuid.uuid4().hex}"
    tls = TLSConfig(server_root_ca_cert=pki.ca)
    async with tls_proxy(dev_server.address, pki.server, api_key=right) as address:
        assert await count_through(address, tls, api_key=right) >= 0
        errors = []
        for key in (wrong, None):
            with pytest.raises(TemporalError) as info:
                await count_through(address, tls, api_key=key)
            assert f"Unauthenticated: {REFUSED_KEY}" in str(info.value), str(info.value)
            assert "MetadataMap" not in str(info.value)
            errors.append(f"{info.value!s} {info.value!r}")
    async with tls_proxy(
        dev_server.address, pki.server, client_ca=pki.ca, api_key=right
    ) as address:
        assert await count_through(address, pki.mtls(pki.client), api_key=right) >= 0
    for secret in (right, wrong):
        assert secret not in caplog.text
        assert all(secret not in e for e in errors)
