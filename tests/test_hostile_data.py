"""Hostile data files through DataAnalysisWorkflow, on a worker process under an address-space
limit (RLIMIT_AS): each ends as ``success=False`` naming the limit it crossed, the value found
and the setting that raises it, in one attempt and within seconds. If any of them still made
the worker allocate what the file claims, the limit would turn that into an abort and the
worker would be gone; it survives them all and then completes a normal analysis.

The files are generated here, XLSX with openpyxl and Parquet with pyarrow. The worker runs with
smaller budgets than the defaults (a cell budget of 2,000,000 and 5,000 columns), so the
sizes that cross them stay quick to make; the Rust unit tests cross the defaults."""

from __future__ import annotations

import json
import os
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from app.temporal import (
    DataAnalysisRequest,
    DataAnalysisResult,
    DataAnalysisWorkflow,
    DevServer,
)
from tests.limited_worker import LimitedWorker, limited_worker
from tests.test_worker import started_event

ADDRESS_SPACE = 3 << 30
BUDGETS = {"TEMPORAL_ANALYSIS_MAX_CELLS": "2000000", "TEMPORAL_ANALYSIS_MAX_COLUMNS": "5000"}


Target = LimitedWorker


@pytest.fixture(scope="module")
async def target(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Target]:
    """A worker process with an address-space limit and smaller budgets, and its client."""
    data_dir = tmp_path_factory.mktemp("hostile")
    queue = f"hostile-{uuid.uuid4().hex[:8]}"
    async with limited_worker(
        dev_server.address, data_dir, queue, ADDRESS_SPACE, **BUDGETS
    ) as worker:
        yield worker


async def analyse(
    target: Target, path: Path, kind: str = "statistics", **options: Any
) -> tuple[DataAnalysisResult, Any]:
    handle = await target.client.start_workflow(
        DataAnalysisWorkflow.run,
        DataAnalysisRequest(str(path), kind, **options),
        id=f"hostile-{uuid.uuid4().hex[:12]}",
    )
    return await handle.result(timeout=120), handle


# Each maker writes one hostile file into `inputs` and returns its path and the request's
# analysis type and options.
Made = tuple[Path, str, dict[str, Any]]


def xlsx_far_apart_cells(inputs: Path) -> Made:
    """The reported abort: one cell at A1, one at XFD1048576 (a 6 KB file)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "a"
    sheet["XFD1048576"] = "b"
    path = inputs / "far.xlsx"
    book.save(path)
    return path, "statistics", {}


def jsonl_new_key_each_line(inputs: Path) -> Made:
    path = inputs / "keys.jsonl"
    path.write_text("".join(json.dumps({f"key{i}": i}) + "\n" for i in range(20_000)))
    return path, "statistics", {}


def csv_50000_numeric_columns(inputs: Path) -> Made:
    path = inputs / "wide.csv"
    header = ",".join(f"c{i}" for i in range(50_000))
    rows = "\n".join(",".join([str(r)] * 50_000) for r in range(3))
    path.write_text(f"{header}\n{rows}\n")
    return path, "correlation", {}


def csv_header_of_a_million_commas(inputs: Path) -> Made:
    path = inputs / "commas.csv"
    path.write_text("," * 1_000_000 + "\n1\n")
    return path, "statistics", {}


def zigzag_varint(n: int) -> bytes:
    """A Thrift compact i64 value."""
    v = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if not v:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def parquet_footer_claiming_2_40_rows(inputs: Path) -> Made:
    """A pyarrow file whose footer's row counts (the file's, the row group's, the column
    chunks' values) are rewritten to 2^40."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = inputs / "claims.parquet"
    rows = 12_345
    pq.write_table(pa.table({"n": list(range(rows)), "m": [i % 7 for i in range(rows)]}), path)
    data = path.read_bytes()
    footer_len = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - footer_len : -8]
    patched = footer.replace(b"\x16" + zigzag_varint(rows), b"\x16" + zigzag_varint(1 << 40))
    assert patched != footer
    path.write_bytes(
        data[: -8 - footer_len] + patched + len(patched).to_bytes(4, "little") + b"PAR1"
    )
    return path, "statistics", {}


def openpyxl_parts() -> dict[str, bytes]:
    """The parts of a small valid workbook as openpyxl writes it."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["x"])
    sheet.append([1])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        return {name: z.read(name) for name in z.namelist()}


def xlsx_shared_strings_of_gigabytes(inputs: Path) -> Made:
    """A workbook with shared strings that decompress to over 1 GiB (an 11 MB file)."""
    path = inputs / "strings.xlsx"
    entry = b"<si><t>" + b"a" * 50 + b"</t></si>"
    chunk = entry * 20_000
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in openpyxl_parts().items():
            z.writestr(name, data)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="x">')
            written = 0
            while written <= (1 << 30):
                part.write(chunk)
                written += len(chunk)
            part.write(b"</sst>")
    return path, "statistics", {}


def xlsx_shared_strings_claiming_2_40(inputs: Path) -> Made:
    """calamine reserves room for the shared strings' uniqueCount before reading them."""
    path = inputs / "claim.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in openpyxl_parts().items():
            z.writestr(name, data)
        z.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0"?><sst xmlns="x" count="1" uniqueCount="1099511627776">'
            "<si><t>a</t></si></sst>",
        )
    return path, "statistics", {}


def n_clusters_as_large_as_the_rows(inputs: Path) -> Made:
    path = inputs / "clusters.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i * i % 11}\n" for i in range(500)))
    return path, "clustering", {"n_clusters": 500}


def correlation_of_2000_columns(inputs: Path) -> Made:
    path = inputs / "corr.csv"
    header = ",".join(f"c{i}" for i in range(2000))
    rows = "\n".join(",".join(str((r * (c + 1)) % 13) for c in range(2000)) for r in range(3))
    path.write_text(f"{header}\n{rows}\n")
    return path, "correlation", {}


def fifo(inputs: Path) -> Made:
    path = inputs / f"pipe-{uuid.uuid4().hex[:6]}.csv"
    os.mkfifo(path)
    return path, "statistics", {}


def dev_zero(inputs: Path) -> Made:
    path = inputs / "zero.csv"
    path.symlink_to("/dev/zero")
    return path, "statistics", {}


# (maker, the step that refuses it, what the error says)
HOSTILE: list[tuple[Callable[[Path], Made], str, list[str]]] = [
    (
        xlsx_far_apart_cells,
        "load_data",
        ["spans A1:XFD1048576: 16,384 columns, over the limit of 5,000 columns",
         "analysis_max_columns (TEMPORAL_ANALYSIS_MAX_COLUMNS)"],
    ),
    (
        jsonl_new_key_each_line,
        "load_data",
        ["1,415 records by 1,415 keys make 2,002,225 cells, over the limit of 2,000,000 cells",
         "analysis_max_cells (TEMPORAL_ANALYSIS_MAX_CELLS)"],
    ),
    (
        csv_50000_numeric_columns,
        "load_data",
        ["the header has 50,000 columns, over the limit of 5,000 columns",
         "analysis_max_columns"],
    ),
    (
        csv_header_of_a_million_commas,
        "load_data",
        ["the header has 1,000,001 columns", "analysis_max_columns"],
    ),
    (
        parquet_footer_claiming_2_40_rows,
        "load_data",
        ["declares 1,099,511,627,776 rows (1 row groups) by 2 columns",
         "over the limit of 2,000,000 cells", "analysis_max_cells"],
    ),
    (
        xlsx_shared_strings_of_gigabytes,
        "load_data",
        ["part xl/sharedStrings.xml decompresses to 1,07", "over the limit of 1,073,741,824 bytes",
         "analysis_max_decompressed_bytes (TEMPORAL_ANALYSIS_MAX_DECOMPRESSED_BYTES)"],
    ),
    (
        xlsx_shared_strings_claiming_2_40,
        "load_data",
        ["claim uniqueCount 1,099,511,627,776 but hold 1"],
    ),
    (
        n_clusters_as_large_as_the_rows,
        "perform_analysis",
        ["n_clusters asks for 500 clusters, over the limit of 100 clusters; a fixed limit"],
    ),
    (
        correlation_of_2000_columns,
        "perform_analysis",
        ["the correlation matrix would take the table's 2,000 numeric columns, over the limit "
         "of 500 numeric columns", "analysis_max_numeric_columns"],
    ),
    (fifo, "validate_data_file", ["is not a regular file"]),
    (dev_zero, "validate_data_file", ["no such file, or outside the folders"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "step", "says"), HOSTILE, ids=[maker.__name__ for maker, _, _ in HOSTILE]
)
async def test_a_hostile_file_is_refused_in_seconds_and_the_worker_lives(
    target: Target, make: Callable[[Path], Made], step: str, says: list[str]
) -> None:
    path, kind, options = make(target.inputs)
    began = time.monotonic()
    result, handle = await analyse(target, path, kind, **options)
    took = time.monotonic() - began
    assert not result.success and result.error is not None
    if step == "validate_data_file":
        assert result.error.startswith("File validation failed:"), result.error
    else:
        assert result.error.startswith(f"{step} failed:"), result.error
        # Non-retryable: one attempt, not the policy's three.
        started = started_event(await handle.fetch_history(), step)
        assert started.attributes["attempt"] == 1
    for part in says:
        assert part in result.error, result.error
    assert took < 15, f"{took:.1f} s"
    assert target.process.poll() is None, (target.data_dir / "worker.log").read_text()


async def test_large_results_are_cut_with_counts_and_kept_whole_in_files(target: Target) -> None:
    path = target.inputs / "many.csv"
    columns = 300
    header = ",".join(f"c{i}" for i in range(columns))
    rows = "\n".join(",".join(str((r * (c + 3)) % 17) for c in range(columns)) for r in range(20))
    path.write_text(f"{header}\n{rows}\n")
    result, _ = await analyse(target, path, "correlation")
    assert result.success, result.error
    assert result.results is not None and result.output_path is not None
    r = result.results
    assert len(json.dumps(r)) < 512 * 1024
    assert r["truncated"]["statistics"] == {"shown": 200, "total": 300}
    assert r["truncated"]["correlation"] == {"shown": 100, "total": 300}
    assert len(r["correlation"]["matrix"]) == 100 and len(r["correlation"]["matrix"][0]) == 100
    assert r["full_results"] == "results.json"
    folder = Path(result.output_path)
    whole = json.loads((folder / "results.json").read_text())
    assert "truncated" not in whole
    assert len(whole["correlation"]["matrix"]) == 300
    report = json.loads((folder / "report.json").read_text())
    assert len(report["results"]["statistics"]) == 300


async def test_ids_made_safe_alike_get_their_own_folders(target: Target) -> None:
    path = target.inputs / "small.csv"
    path.write_text("x,y\n1,2\n2,3\n3,5\n")
    tag = uuid.uuid4().hex[:8]
    folders = []
    for workflow_id in (f"same/{tag}", f"same:{tag}"):
        result = await target.client.execute_workflow(
            DataAnalysisWorkflow.run, DataAnalysisRequest(str(path), "statistics"), id=workflow_id
        )
        assert result.success, result.error
        assert result.output_path is not None
        folders.append(Path(result.output_path))
    assert folders[0] != folders[1]
    assert folders[0].parent == folders[1].parent == target.data_dir / "analysis"
    assert all(f.name.startswith(f"same_{tag}-") for f in folders)


async def test_the_same_worker_then_completes_a_normal_analysis(target: Target) -> None:
    path = target.inputs / "normal.csv"
    path.write_text(
        "x,y,label\n" + "".join(f"{i % 50},{(i * 7) % 31},{'ab'[i % 2]}\n" for i in range(400))
    )
    result, _ = await analyse(target, path, "full", n_clusters=3)
    assert result.success, result.error
    assert result.results is not None
    assert sum(result.results["clustering"]["sizes"]) == 400
    assert "truncated" not in result.results
    assert target.process.poll() is None
