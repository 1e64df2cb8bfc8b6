"""DataAnalysisWorkflow end to end: real files, real server, this project's worker."""

from __future__ import annotations

import csv
import json
import random
import statistics as pystats
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.temporal import (
    Client,
    DataAnalysisRequest,
    DataAnalysisResult,
    DataAnalysisWorkflow,
    WorkflowProgress,
)


@pytest.fixture
def inputs(worker_data_dir: Path) -> Path:
    """The data dir's folder for analysis input (the worker makes it when it starts)."""
    return worker_data_dir / "inputs"


async def run(client: Client, request: DataAnalysisRequest) -> DataAnalysisResult:
    handle = await client.start_workflow(
        DataAnalysisWorkflow.run, request, id=f"data-{uuid.uuid4().hex[:12]}"
    )
    return await handle.result(timeout=120)


def blobs_csv(path: Path, *, delimiter: str = ",") -> list[dict[str, Any]]:
    """300 rows in three planted clusters of 50, 100 and 150, plus a text column."""
    rng = random.Random(3)
    rows = []
    for centre, count in (((0, 0), 50), ((40, 40), 100), ((-40, 30), 150)):
        for _ in range(count):
            rows.append(
                {
                    "x": round(centre[0] + rng.uniform(-1, 1), 6),
                    "y": round(centre[1] + rng.uniform(-1, 1), 6),
                    "kind": rng.choice(["alpha", "beta"]),
                }
            )
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["x", "y", "kind"], delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return rows


async def test_full_analysis_of_a_csv(
    worker_client: Client, worker_data_dir: Path, inputs: Path
) -> None:
    rows = blobs_csv(inputs / "blobs.csv")
    result = await run(worker_client, DataAnalysisRequest(str(inputs / "blobs.csv"), "full"))
    assert result.success, result.error
    assert result.results is not None and result.output_path is not None
    r = result.results
    assert (r["row_count"], r["column_count"]) == (300, 3)
    stats = dict((name, s) for name, s in r["statistics"])
    xs = [row["x"] for row in rows]
    assert stats["x"]["count"] == 300
    assert stats["x"]["mean"] == pytest.approx(pystats.fmean(xs), rel=1e-12)
    assert stats["x"]["std"] == pytest.approx(pystats.stdev(xs), rel=1e-12)
    assert stats["x"]["50%"] == pytest.approx(pystats.median(xs), rel=1e-12)
    assert sorted(r["clustering"]["sizes"]) == [50, 100, 150]
    assert r["correlation"]["columns"] == ["x", "y"]
    folder = Path(result.output_path)
    assert folder.parent == worker_data_dir / "analysis"
    charts = r["charts"]
    assert len(charts) == 6  # 2 histograms, box plots, heatmap, scatter, clusters
    for chart in charts:
        with Image.open(folder / chart) as image:
            image.load()
            assert image.format == "PNG"
    report = json.loads((folder / "report.json").read_text())
    assert report["charts"] == charts
    assert "clusters_pca.png" in (folder / "index.html").read_text()


async def test_clustering_on_a_chosen_column(worker_client: Client, inputs: Path) -> None:
    # On x alone the three planted clusters (x around 0, 40, -40) still separate; the
    # clustering names the one column it used and its centroids have one value each.
    rows = blobs_csv(inputs / "chosen.csv")
    result = await run(
        worker_client,
        DataAnalysisRequest(str(inputs / "chosen.csv"), "clustering", columns=["x"]),
    )
    assert result.success, result.error
    assert result.results is not None
    clustering = result.results["clustering"]
    assert clustering["columns"] == ["x"]
    assert sorted(clustering["sizes"]) == [50, 100, 150]
    centroids = sorted(c[0] for c in clustering["centroids"])
    expected = [
        pystats.fmean(r["x"] for r in rows[a:b]) for a, b in ((150, 300), (0, 50), (50, 150))
    ]
    assert centroids == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kind", ["statistics", "correlation", "clustering", "visualization"])
async def test_each_analysis_type(worker_client: Client, inputs: Path, kind: str) -> None:
    path = inputs / f"tab-{kind}.tsv"
    blobs_csv(path, delimiter="\t")
    result = await run(worker_client, DataAnalysisRequest(str(path), kind, n_clusters=3))
    assert result.success, result.error
    assert result.results is not None
    assert ("clustering" in result.results) == (kind == "clustering")
    assert ("correlation" in result.results) == (kind == "correlation")


async def test_json_and_json_lines(worker_client: Client, inputs: Path) -> None:
    records = [{"a": i, "b": i * 1.5, "when": f"2024-01-{i + 1:02d}"} for i in range(10)]
    (inputs / "r.json").write_text(json.dumps(records))
    (inputs / "r.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    for name in ("r.json", "r.jsonl"):
        result = await run(worker_client, DataAnalysisRequest(str(inputs / name), "statistics"))
        assert result.success, result.error
        assert result.results is not None
        types = dict(result.results["column_types"])
        assert types == {"a": "integer", "b": "float", "when": "datetime"}


async def test_xlsx_first_and_named_sheet(worker_client: Client, inputs: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "notes"
    first.append(["word"])
    first.append(["hello"])
    data = book.create_sheet("data")
    data.append(["x", "y", "label"])
    for i in range(30):
        data.append([i, i * 2.5, ["a", "b", None][i % 3]])
    path = inputs / "book.XLSX"
    book.save(path)
    result = await run(worker_client, DataAnalysisRequest(str(path), "statistics"))
    assert result.success, result.error
    assert result.results is not None
    assert dict(result.results["column_types"]) == {"word": "text"}
    result = await run(
        worker_client, DataAnalysisRequest(str(path), "full", sheet="data", n_clusters=2)
    )
    assert result.success, result.error
    assert result.results is not None
    r = result.results
    assert dict(r["column_types"]) == {"x": "integer", "y": "float", "label": "text"}
    assert dict(r["missing_values"])["label"] == 10
    stats = dict((name, s) for name, s in r["statistics"])
    assert stats["y"]["mean"] == pytest.approx(pystats.fmean(i * 2.5 for i in range(30)))
    assert sum(r["clustering"]["sizes"]) == 30
    result = await run(worker_client, DataAnalysisRequest(str(path), "statistics", sheet="nope"))
    assert result.error is not None and "nope" in result.error and "data" in result.error


async def test_parquet_input_and_the_arrow_copy(worker_client: Client, inputs: Path) -> None:
    import pyarrow as pa
    import pyarrow.ipc
    import pyarrow.parquet as pq

    n = 2000
    table = pa.table(
        {
            "small": pa.array([i % 100 for i in range(n)], pa.int32()),
            "value": pa.array([None if i % 10 == 0 else i / 4 for i in range(n)], pa.float64()),
            "flag": pa.array([i % 2 == 0 for i in range(n)]),
            "city": pa.array([["oslo", "lima", None][i % 3] for i in range(n)]),
        }
    )
    path = inputs / "input.parquet"
    pq.write_table(table, path)
    result = await run(worker_client, DataAnalysisRequest(str(path), "full"))
    assert result.success, result.error
    assert result.results is not None and result.output_path is not None
    r = result.results
    assert dict(r["column_types"]) == {
        "small": "integer",
        "value": "float",
        "flag": "boolean",
        "city": "text",
    }
    assert dict(r["missing_values"]) == {"small": 0, "value": 200, "flag": 0, "city": 666}
    present = [i / 4 for i in range(n) if i % 10 != 0]
    stats = dict((name, s) for name, s in r["statistics"])
    assert stats["value"]["count"] == len(present)
    assert stats["value"]["mean"] == pytest.approx(pystats.fmean(present), rel=1e-12)
    assert r["clustering"]["rows_used"] == len(present)
    # The columnar copy the later steps read is a plain Arrow file any Arrow reader opens.
    with pa.memory_map(str(Path(result.output_path) / "table.arrow")) as source:
        copy = pyarrow.ipc.open_file(source).read_all()
    assert copy.column_names == ["small", "value", "flag", "city"]
    assert copy.column("value").to_pylist() == table.column("value").to_pylist()
    assert copy.column("city").to_pylist() == table.column("city").to_pylist()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("a,b\n1,2\n1,2,3\n4\n", "2 malformed rows: line 3: 3 fields"),
        ("", "is empty"),
        ("a,b\n", "header but no rows"),
    ],
    ids=["ragged", "empty", "header-only"],
)
async def test_bad_files(worker_client: Client, inputs: Path, content: str, says: str) -> None:
    path = inputs / f"bad-{uuid.uuid4().hex[:6]}.csv"
    path.write_text(content)
    result = await run(worker_client, DataAnalysisRequest(str(path), "statistics"))
    assert not result.success and result.error is not None
    assert result.error.startswith("load_data failed:") and says in result.error


async def test_invalid_utf8_and_no_numeric_column(worker_client: Client, inputs: Path) -> None:
    path = inputs / "latin1.csv"
    path.write_bytes(b"name\ncaf\xe9\n")
    result = await run(worker_client, DataAnalysisRequest(str(path), "statistics"))
    assert result.error is not None and "line 2 is not valid UTF-8" in result.error
    path = inputs / "words.csv"
    path.write_text("word\nhello\nworld\nagain\n")
    result = await run(worker_client, DataAnalysisRequest(str(path), "clustering"))
    assert result.error is not None and "at least one numeric column" in result.error


async def test_paths_outside_the_allowed_roots_are_refused(
    worker_client: Client,
    worker_data_dir: Path,
    inputs: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_text("a\n1\n")
    link = inputs / f"link-{uuid.uuid4().hex[:6]}.csv"
    link.symlink_to(outside)
    dotdot = inputs / ".." / ".." / outside.parent.name / "secret.csv"
    # The data dir's own files: a file beside inputs/, the knowledge base, another
    # workflow's output (through a link in inputs/ too).
    beside = worker_data_dir / "beside.csv"
    beside.write_text("a\n1\n")
    knowledge = worker_data_dir / "memory" / "knowledge.json"
    knowledge.parent.mkdir(exist_ok=True)
    knowledge.write_text("{}")
    other = worker_data_dir / "analysis" / "someone-else" / "report.json"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text("[]")
    into_state = inputs / f"state-{uuid.uuid4().hex[:6]}.json"
    into_state.symlink_to(other)
    missing = outside.parent / "missing.csv"
    errors = []
    for path in (outside, link, dotdot, beside, knowledge, other, into_state, missing):
        result = await run(worker_client, DataAnalysisRequest(str(path), "statistics"))
        assert result.error is not None
        assert result.error.startswith("File validation failed:") and "outside" in result.error
        assert "analysis_allowed_roots" in result.error
        errors.append(result.error.replace(str(path), "<path>"))
    # One answer, whether the file exists or not and wherever it leads.
    assert len(set(errors)) == 1, errors
    assert str(outside.parent) not in errors[0]
    result = await run(worker_client, DataAnalysisRequest(str(inputs / "nope.csv"), "full"))
    assert result.error is not None and result.error.startswith("File validation failed:")


async def test_unknown_analysis_type_lists_the_allowed_ones(
    worker_client: Client, inputs: Path
) -> None:
    handle = await worker_client.start_workflow(
        DataAnalysisWorkflow.run,
        DataAnalysisRequest(str(inputs / "blobs.csv"), "magic"),
        id=f"data-{uuid.uuid4().hex[:12]}",
    )
    result = await handle.result(timeout=60)
    assert result.error == (
        'analysis_type "magic" is not one of statistics, clustering, correlation, '
        "visualization, full"
    )
    status = await handle.query(DataAnalysisWorkflow.status, result_type=WorkflowProgress)
    assert status.completed_steps == []  # refused before any activity ran
