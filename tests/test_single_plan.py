"""A build of a single plan (issue 21): its empty edge tables keep their types, and the pages draw.

One plan has no CONTINUES, SIMILAR_TO or DETAILS edge (nothing to compare it
with) and often no MEMBER_OF: those tables were written with ``null`` and
``double`` columns, and ``viz -j``, ``plot -j`` and ``report -j`` failed on
them with ArrowTypeError.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mandategraph.graph.schema import DOUBLE, EDGES, INT, NODES, STRINGS


@pytest.fixture(scope="module")
def one_plan(tmp_path_factory, documents):
    from mandategraph.graph.build import build

    root = tmp_path_factory.mktemp("one_plan")
    (root / "docs").mkdir()
    shutil.copy(documents / "rongxian_2019_work_plan.txt", root / "docs")
    out = root / "out"
    assert not build([root / "docs"], out).errors
    return out


def _expected(props: dict[str, str], columns: list[str]) -> list[pa.DataType]:
    arrow = {INT: pa.int64(), DOUBLE: pa.float64(), STRINGS: pa.list_(pa.string())}
    return [arrow.get(props.get(c), pa.large_string()) for c in columns]


def test_every_table_keeps_its_types_empty_or_not(one_plan):
    empty = []
    for kind, specs in (("nodes", [(s.label, s.properties) for s in NODES]),
                        ("edges", [(s.type, s.properties) for s in EDGES])):
        for name, props in specs:
            schema = pq.read_schema(one_plan / "tables" / f"{kind}_{name}.parquet")
            assert [t.id for t in schema.types] == [t.id for t in _expected(props, schema.names)], name
            if pq.ParquetFile(one_plan / "tables" / f"{kind}_{name}.parquet").metadata.num_rows == 0:
                empty.append(name)
    assert {"CONTINUES", "SIMILAR_TO", "DETAILS"} <= set(empty)  # the case this is about


@pytest.mark.parametrize("command,out", [("viz", "v.html"), ("plot", "p"), ("report", "r")])
def test_pages_of_a_single_plan_draw(one_plan, tmp_path, command, out):
    r = subprocess.run([sys.executable, "-m", "mandategraph", command, "--graph", str(one_plan), "-j", "荣县",
                        "--out", str(tmp_path / out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "ArrowTypeError" not in r.stderr and "Error" not in r.stderr
    assert (tmp_path / out).exists()
