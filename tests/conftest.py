"""Shared fixtures: the seed documents and one build of them per test session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "data" / "documents"
sys.path.insert(0, str(Path(__file__).parent))  # golden_score and test helpers


@pytest.fixture(scope="session")
def documents() -> Path:
    return DOCUMENTS


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> Path:
    """A build folder of the five seed documents (built once per session)."""
    from mandategraph.graph.build import build

    out = tmp_path_factory.mktemp("seed_build") / "out"
    result = build([DOCUMENTS], out)
    assert not result.errors
    return out


@pytest.fixture(scope="session")
def seed_graph(seed_build):
    from mandategraph.graph.tables import load_graph

    return load_graph(seed_build)
