"""A fleet on one PostgreSQL store: worker processes with data dirs of their own (as on
different hosts) share one database. Nothing is lost or stored twice, every record is
searchable from every host, and a database that goes away mid-run fails steps retryably
until it is back, losing nothing."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from app.temporal import (
    AILearningWorkflow,
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    ImageStore,
    KnowledgeStore,
    LearningRequest,
    MemoryExpansionRequest,
    MemoryExpansionWorkflow,
    MemoryStore,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    forget_user,
)
from tests.helpers import small_csv, worker_for
from tests.postgres import Postgres
from tests.test_reliability import processes

HOSTS = 3


def learning(i: int) -> LearningRequest:
    # 50 distinct requests, each sent twice: the second must store nothing.
    n = i % 50
    return LearningRequest(
        content=f"Fleet fact number {n}: shared stores keep one row per entry, word fleet{n}x.",
        source="fleet-test",
        category="facts",
        user_id=f"user-{n % 5}",
    )


def memories(i: int) -> MemoryExpansionRequest:
    # 50 conversations, each sent twice.
    n = i % 50
    return MemoryExpansionRequest(
        conversation_id=f"conv-{n}",
        messages=[
            {"role": "user", "content": f"My name is Ada{n} and I live in Zürich{n}."},
            {"role": "user", "content": f"I love sailing on lake number {n} in summer."},
        ],
        user_id=f"user-{n % 5}",
    )


def image(i: int) -> ImageGenerationRequest:
    return ImageGenerationRequest(
        prompt=f"a calm harbour, number {i}", size="64x64", backend="local"
    )


def fleet_configs(dev_server: DevServer, root: Path, store_url: str) -> list[TemporalConfig]:
    queue = f"fleet-{uuid.uuid4().hex[:8]}"
    return [
        TemporalConfig(
            env_file=None,
            host=dev_server.address,
            task_queue=queue,
            data_dir=root / f"host-{h}",
            store_url=store_url,
        )
        for h in range(HOSTS)
    ]


async def run_all(config: TemporalConfig, count: int, prefix: str) -> list[Any]:
    """`count` of each of the three store-writing workflows, all in flight at once."""
    workflows: list[tuple[Any, Any]] = []
    for i in range(count):
        workflows += [
            (AILearningWorkflow.run, learning(i)),  # type: ignore[attr-defined]
            (MemoryExpansionWorkflow.run, memories(i)),
            (ImageGenerationWorkflow.run, image(i)),
        ]
    async with TemporalClientManager(config=config) as manager:
        client = manager.client
        handles = [
            await client.start_workflow(run, request, id=f"{prefix}-{n}-{uuid.uuid4().hex[:6]}")
            for n, (run, request) in enumerate(workflows)
        ]
        return list(await asyncio.gather(*(h.result(timeout=240) for h in handles)))


def check_every_host_sees_everything(configs: list[TemporalConfig], url: str) -> None:
    for config in configs:
        knowledge = KnowledgeStore(config.data_dir, store_url=url)
        assert knowledge.count() == 50, "one row per distinct request"
        for n in (0, 17, 49):
            assert len(knowledge.search(f"fleet{n}x")) == 1, (config.data_dir, n)
        store = MemoryStore(config.data_dir, store_url=url)
        for n in (0, 23, 49):
            # The place's fact first; the name's, from the same clause, after it.
            found = store.search(f"zurich{n}", kind="fact")
            assert [h.value for h in found] == [f"Zürich{n}", f"Ada{n}"], (config.data_dir, n)
        assert ImageStore(config.data_dir, store_url=url).statistics().total == 100


async def test_three_hosts_run_300_workflows_on_one_database(
    dev_server: DevServer, postgres_server: Postgres, tmp_path: Path
) -> None:
    url = postgres_server.new_database()
    configs = fleet_configs(dev_server, tmp_path, url)
    with processes() as workers:
        for config in configs:
            Path(config.data_dir).mkdir(parents=True)
            workers.append(worker_for(config, "worker.log", PROJECT_AI_STORE_URL=url))
        results = await run_all(configs[0], 100, "fleet")
        assert all(r.success for r in results), [r for r in results if not r.success][:3]
        assert all(w.poll() is None for w in workers)
    learned = [r for r in results[0::3]]
    # Each distinct request has one id, and its second run found it stored.
    assert len({r.knowledge_id for r in learned}) == 50
    memory_counts = [r.memory_count for r in results[1::3]]
    per_conversation = MemoryStore(configs[0].data_dir, store_url=url).for_conversation("conv-7")
    assert sum(memory_counts) == MemoryStore(configs[1].data_dir, store_url=url).count()
    assert len(per_conversation) > 0 and sum(memory_counts) == 50 * len(per_conversation)
    check_every_host_sees_everything(configs, url)
    for config in configs:
        log = (Path(config.data_dir) / "worker.log").read_text()
        assert "panicked" not in log and "pg-test-secret" not in log, log[-2000:]


async def test_a_database_outage_mid_run_loses_nothing(
    dev_server: DevServer, postgres_server: Postgres, tmp_path: Path
) -> None:
    """PostgreSQL is stopped while 300 workflows run and started again 5 s later: the steps
    that met the outage fail retryably and are retried, every workflow completes, and the
    store holds each record once."""
    url = postgres_server.new_database()
    configs = fleet_configs(dev_server, tmp_path, url)[:2]
    with processes() as workers:
        for config in configs:
            Path(config.data_dir).mkdir(parents=True)
            workers.append(worker_for(config, "worker.log", PROJECT_AI_STORE_URL=url))
        run = asyncio.create_task(run_all(configs[0], 100, "outage"))
        knowledge = KnowledgeStore(configs[0].data_dir, store_url=url)
        while (stored_before := knowledge.count()) < 5:
            await asyncio.sleep(0.1)
        await asyncio.to_thread(postgres_server.stop)
        assert not run.done()
        try:
            await asyncio.sleep(5)
        finally:
            await asyncio.to_thread(postgres_server.start)
        results = await run
        assert all(r.success for r in results), [r for r in results if not r.success][:3]
        assert all(w.poll() is None for w in workers)
    logs = "".join((Path(c.data_dir) / "worker.log").read_text() for c in configs)
    # Mid-run: most entries were stored after the database came back.
    assert stored_before < 40, stored_before
    check_every_host_sees_everything([*configs], url)
    assert "pg-test-secret" not in logs


async def test_artifacts_on_a_shared_folder(
    dev_server: DevServer, postgres_server: Postgres, tmp_path: Path
) -> None:
    """Two hosts with data dirs of their own, one database and one artifacts folder (as a
    shared mount would be): images and analysis output land there with paths relative to
    it in the results; analysis may not read that folder even where an allowed root holds
    it; an erasure run on the other host removes the files."""
    url = postgres_server.new_database()
    shared = tmp_path / "shared"
    configs = [
        TemporalConfig(
            env_file=None,
            host=dev_server.address,
            task_queue=f"artifacts-{uuid.uuid4().hex[:8]}",
            data_dir=tmp_path / f"host-{h}",
            artifacts_dir=shared,
            store_url=url,
            analysis_allowed_roots=str(tmp_path),
        )
        for h in range(2)
    ]
    Path(configs[0].data_dir).mkdir()
    csv = small_csv(Path(configs[0].data_dir))
    async with Worker(configs[0]), TemporalClientManager(config=configs[0]) as manager:
        client = manager.client
        image = await client.execute_workflow(
            ImageGenerationWorkflow.run,
            ImageGenerationRequest("a lighthouse", size="64x64", backend="local", user_id="eve"),
            id=f"artifact-image-{uuid.uuid4().hex[:6]}",
        )
        analysis = await client.execute_workflow(
            DataAnalysisWorkflow.run,
            DataAnalysisRequest(str(csv), "statistics", user_id="eve"),
            id=f"artifact-data-{uuid.uuid4().hex[:6]}",
        )
        assert image.success and analysis.success, (image, analysis)
        assert image.relative_image_path and image.relative_image_path.startswith(
            "generated_images/"
        )
        assert Path(str(image.image_path)) == shared / image.relative_image_path
        assert analysis.relative_output_path and analysis.relative_output_path.startswith(
            "analysis/"
        )
        assert Path(str(analysis.output_path)) == shared / analysis.relative_output_path
        # The shared folder's files are never analysis input, though tmp_path is a root.
        report = Path(str(analysis.output_path)) / "report.json"
        refused = await client.execute_workflow(
            DataAnalysisWorkflow.run,
            DataAnalysisRequest(str(report), "statistics"),
            id=f"artifact-read-{uuid.uuid4().hex[:6]}",
        )
        assert not refused.success and "File validation failed" in str(refused.error)
    erased = forget_user("eve", data_dir=configs[1].data_dir, store_url=url, artifacts_dir=shared)
    assert (erased.images, erased.image_files, erased.analysis_outputs) == (1, 1, 1)
    assert not (shared / image.relative_image_path).exists()
    assert not (shared / analysis.relative_output_path).exists()
