"""Hostile image API answers end as success=False within seconds, name the limit, never
carry the answer's content, and leave the worker serving (issue 17, HTTP answers)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.temporal import Client, DevServer, ImageGenerationRequest
from tests.image_api_server import HOSTILE, MARKER, hostile_api, image_api
from tests.test_image import backends_worker, generate

IMAGE_MAX_BYTES = 4 << 20  # small, so an endless answer reaches it at once


def worker(
    dev_server: DevServer, data_dir: Path, env: pytest.MonkeyPatch, base: str
) -> AbstractAsyncContextManager[Client]:
    """A worker on `base` with a small image_max_bytes and DEBUG logs."""
    return backends_worker(
        dev_server, data_dir, env, base, image_max_bytes=IMAGE_MAX_BYTES, log_level="DEBUG"
    )


@dataclass
class Api:
    client: Client
    base: str
    seen: list[str]
    elsewhere: str
    elsewhere_seen: list[object]


@pytest.fixture(scope="module")
async def api(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    """The hostile server on loopback (its base URL is on loopback, so loopback image URLs
    are allowed), a well-behaved one to redirect to, and one worker for all of them."""
    with (
        image_api() as (elsewhere, elsewhere_seen),
        hostile_api(elsewhere) as (base, seen),
        pytest.MonkeyPatch.context() as patch,
    ):
        async with worker(dev_server, tmp_path_factory.mktemp("answers"), patch, base) as client:
            yield Api(client, base, seen, elsewhere, elsewhere_seen)


async def fails_quickly(client: Client, backend: str, prompt: str) -> str:
    """The error of a workflow that must fail within seconds without the marker."""
    started = time.monotonic()
    request = ImageGenerationRequest(prompt, size="512x512", backend=backend)
    result = await generate(client, request)
    elapsed = time.monotonic() - started
    assert not result.success and result.error is not None, result
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert MARKER not in result.error
    return result.error


async def still_serves(client: Client, backend: str = "openai") -> None:
    """A normal image from the same worker."""
    result = await generate(
        client, ImageGenerationRequest("a lighthouse", size="512x512", backend=backend)
    )
    assert result.success, result.error


LIMIT = "the setting image_max_bytes, TEMPORAL_IMAGE_MAX_BYTES, raises the limit"


# (backend, the hostile answer's name in HOSTILE, what the error says)
CASES = [
    ("huggingface", "endless", f"more than the limit of {IMAGE_MAX_BYTES} bytes for an image"),
    ("huggingface", "huge-length", "the answer declares 1099511627776 bytes"),
    ("openai", "marker-error", "HTTP 400 (application/json, "),
    ("huggingface", "marker-stream", "HTTP 403 (text/plain, more than 65536 bytes"),
    ("openai", "redirect", "a redirect to another host"),
    ("openai", "metadata-url", "its host is a link-local address"),
    ("openai", "file-url", "only http and https URLs are fetched"),
]
assert {case for _, case, _ in CASES} == set(HOSTILE) - {"loopback-url"}


@pytest.mark.parametrize(("backend", "case", "says"), [pytest.param(*c, id=c[1]) for c in CASES])
async def test_hostile_answers_fail_fast_without_their_content(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    backend: str,
    case: str,
    says: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="app.temporal")
    before = len(api.seen)
    error = await fails_quickly(api.client, backend, case)
    assert says in error, error
    if case in ("endless", "huge-length"):
        assert LIMIT in error, error
    if case == "redirect":
        assert f"({api.elsewhere})" in error and not api.elsewhere_seen
    if case.endswith("-url"):
        assert api.seen[before:] == ["/v1/images/generations"], "nothing was downloaded"
    await still_serves(api.client, backend)
    assert MARKER not in caplog.text


async def test_a_loopback_image_url_is_fetched_when_the_base_url_is_on_loopback(
    api: Api,
) -> None:
    """The control for the next test: the same answer, fetched, from a loopback base."""
    result = await generate(
        api.client, ImageGenerationRequest("loopback-url", size="512x512", backend="openai")
    )
    assert result.success, result.error
    assert "/files/512x512.png" in api.seen


async def test_a_non_public_image_url_is_refused_when_the_base_url_is_public(
    dev_server: DevServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The API's base URL is a public name reached through the hostile server as an HTTP
    proxy; the image URL in its answer is that server's own loopback address, live, so only
    the address check can stop the download, and before connecting."""
    caplog.set_level(logging.DEBUG, logger="app.temporal")
    with hostile_api() as (proxy, seen), pytest.MonkeyPatch.context() as patch:
        for name in (
            "no_proxy",
            "NO_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("http_proxy", proxy)
        patch.setenv("HTTP_PROXY", proxy)
        async with worker(dev_server, tmp_path, patch, "http://api.example.com") as client:
            error = await fails_quickly(client, "openai", "loopback-url")
            assert error.endswith(
                "the image URL in the answer was not fetched: its host is a loopback address;"
                " only public addresses are fetched (loopback too when the API's base URL is"
                " on loopback)"
            ), error
            assert seen == ["/v1/images/generations"], "the API was called, the URL was not"
            await still_serves(client)
    assert MARKER not in caplog.text
