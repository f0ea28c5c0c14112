"""Node ids: deterministic, readable, stable across runs and machines.

A document's id comes from its bytes, a task's from its document and its
position there, a unit's from its jurisdiction and canonical name. Adding a
document therefore changes no existing id.
"""
from __future__ import annotations

import hashlib

__all__ = ["jurisdiction_id", "document_id", "task_id", "unit_id", "theme_id", "instrument_id"]


def jurisdiction_id(code: str, name: str = "") -> str:
    """``J:330300``; a division without a code is keyed by its name."""
    return f"J:{code}" if code else f"J:{name}"


def document_id(checksum: str) -> str:
    """``D:`` and the first 16 hex digits of the file's SHA-256."""
    return f"D:{checksum[:16]}"


def task_id(doc_id: str, index: int) -> str:
    """``T:<document digits>:<position of the task in its document, from 1>``."""
    return f"T:{doc_id[2:]}:{index:04d}"


def unit_id(jurisdiction_code: str, canonical: str) -> str:
    return f"U:{jurisdiction_code}:{canonical}"


def theme_id(key: str) -> str:
    return f"Th:{key}"


def instrument_id(title: str) -> str:
    return "I:" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
