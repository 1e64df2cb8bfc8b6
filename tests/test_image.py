"""ImageGenerationWorkflow end to end: real server, this project's worker, real images."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.temporal import (
    Client,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationResult,
    ImageGenerationWorkflow,
    ImageStore,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    WorkflowProgress,
)
from tests.image_api_server import image_api

# The worker tests run on the embedded store and on PostgreSQL.
RUN_ON_BOTH_STORES = True


async def generate(client: Client, request: ImageGenerationRequest) -> ImageGenerationResult:
    handle = await client.start_workflow(
        ImageGenerationWorkflow.run, request, id=f"image-{uuid.uuid4().hex[:12]}"
    )
    return await handle.result(timeout=120)


def local(prompt: str = "a lighthouse on a cliff", **kw: object) -> ImageGenerationRequest:
    return ImageGenerationRequest(prompt=prompt, size="320x192", backend="local", **kw)  # type: ignore[arg-type]


async def test_local_png_with_size_and_text_chunks(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    handle = await worker_client.start_workflow(
        ImageGenerationWorkflow.run,
        local(style="watercolor", seed=42),
        id=f"img-{uuid.uuid4().hex}",
    )
    result = await handle.result(timeout=120)
    assert result.success and result.error is None and result.image_path is not None
    path = Path(result.image_path)
    assert path.parent == worker_data_dir / "generated_images"
    with Image.open(path) as image:
        image.load()
        assert image.size == (320, 192) and image.format == "PNG"
        assert image.text["prompt"] == "a lighthouse on a cliff"
        assert (image.text["style"], image.text["backend"], image.text["seed"]) == (
            "watercolor",
            "local",
            "42",
        )
    assert result.metadata is not None
    assert result.metadata["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.metadata["bytes"] == path.stat().st_size
    assert result.metadata["enhanced_prompt"].endswith(
        "watercolor painting, soft colors, artistic, delicate"
    )
    record = next(
        r
        for r in ImageStore(worker_data_dir, store_url=worker_store_url).history(100)
        if r.workflow_id == handle.id
    )
    assert record.image_path == result.image_path and record.style == "watercolor"
    status = await handle.query(ImageGenerationWorkflow.status, result_type=WorkflowProgress)
    assert status.step == "completed" and status.total_steps == 3


async def test_styles_differ_and_seeds_repeat(worker_client: Client) -> None:
    a = await generate(worker_client, local(style="cyberpunk", seed=7))
    b = await generate(worker_client, local(style="fantasy", seed=7))
    c = await generate(worker_client, local(style="cyberpunk", seed=7))
    assert a.image_path and b.image_path and c.image_path
    assert len({a.image_path, b.image_path, c.image_path}) == 3, "one file per workflow"
    with Image.open(a.image_path) as first, Image.open(b.image_path) as second:
        assert first.tobytes() != second.tobytes()
    assert Path(a.image_path).read_bytes() == Path(c.image_path).read_bytes()


@pytest.mark.parametrize(
    ("prompt", "term"),
    [("Explicit photo", "explicit"), ("two weapons", "weapon"), ("discrimination", "discrimin")],
)
async def test_unsafe_prompts_are_refused(worker_client: Client, prompt: str, term: str) -> None:
    result = await generate(worker_client, local(prompt))
    assert result == ImageGenerationResult(
        success=False, error=f"Prompt failed content safety check: {term}"
    )


async def test_innocent_words_containing_a_term_pass(worker_client: Client) -> None:
    result = await generate(worker_client, local("whatever: a pharmacy in harmony with a chateau"))
    assert result.success, result.error


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        (local(prompt=""), "the prompt is empty"),
        (local(prompt="x" * 4001), "at most 4000"),
        (ImageGenerationRequest("a cat", size="10x10", backend="local"), "from 64 to 4096"),
        (ImageGenerationRequest("a cat", style="sketch", backend="local"), "is not one of"),
        (ImageGenerationRequest("a cat", backend="midjourney"), "local, openai, huggingface"),
        (ImageGenerationRequest("a cat"), "HUGGINGFACE_API_KEY"),
        (ImageGenerationRequest("a cat", backend="openai"), "OPENAI_API_KEY"),
        (ImageGenerationRequest("a cat", backend="openai", size="640x480"), None),
    ],
    ids=["empty", "long", "size", "style", "backend", "hf-key", "openai-key", "openai-size"],
)
async def test_bad_requests_fail_clearly(
    worker_client: Client, request_: ImageGenerationRequest, says: str | None
) -> None:
    result = await generate(worker_client, request_)
    assert not result.success and result.error
    if says is not None:
        assert says in result.error


@asynccontextmanager
async def backends_worker(
    dev_server: DevServer,
    data_dir: Path,
    env: pytest.MonkeyPatch,
    base: str,
    **settings: Any,
) -> AsyncIterator[Client]:
    """A worker whose image backends call `base` (OpenAI under /v1) with test keys, plus
    the given settings; yields a client on its task queue."""
    env.setenv("OPENAI_API_KEY", "sk-test-key")
    env.setenv("OPENAI_BASE_URL", f"{base}/v1")
    env.setenv("HUGGINGFACE_API_KEY", "hf-test-key")
    env.setenv("HUGGINGFACE_API_URL", base)
    config = TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=data_dir,
        task_queue=f"images-{uuid.uuid4().hex[:8]}",
        **settings,
    )
    async with Worker(config), TemporalClientManager(config=config) as manager:
        yield manager.client


@pytest.fixture
async def api_worker(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Client, list[dict[str, object]], Path]]:
    """A worker whose image backends point at the local API server."""
    with image_api() as (base, seen):
        async with backends_worker(dev_server, tmp_path, monkeypatch, base) as client:
            yield client, seen, tmp_path


@pytest.mark.parametrize(
    ("backend", "size"),
    [("openai", "1024x1024"), ("openai", "1792x1024"), ("huggingface", "512x384")],
    ids=["openai-base64", "openai-url", "huggingface"],
)
async def test_http_backends_end_to_end(
    api_worker: tuple[Client, list[dict[str, object]], Path], backend: str, size: str
) -> None:
    client, seen, data_dir = api_worker
    result = await generate(
        client, ImageGenerationRequest("a lighthouse", style="anime", size=size, backend=backend)
    )
    assert result.success, result.error
    assert result.image_path is not None
    with Image.open(result.image_path) as image:
        assert image.size == tuple(map(int, size.split("x")))
    call = seen[-1]
    assert str(call["auth"]).startswith("Bearer ")
    body = call["body"]
    assert isinstance(body, dict)
    prompt = body["prompt"] if backend == "openai" else body["inputs"]
    assert prompt == "a lighthouse, anime style, manga, detailed characters, vibrant"
    assert ImageStore(data_dir).statistics().by_backend[backend] >= 1
