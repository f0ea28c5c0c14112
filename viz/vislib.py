"""vis-network's JavaScript and CSS, read from an installed package to inline in pages.

pyvis 0.3.2 ships vis-network 9.1.2 under ``pyvis/templates/lib``; its own
templates still link vis-network and Bootstrap from a CDN (DEPENDENCIES.md),
so pages here inline the files instead and work with no network at all.
The package is located without importing it (pyvis imports IPython).
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from ..errors import MandateGraphError

__all__ = ["AssetError", "vis_assets", "VIS_VERSIONS"]

VIS_VERSIONS = ("vis-9.1.2", "vis-9.0.4")  # newest first


class AssetError(MandateGraphError):
    """vis-network's files could not be found in any installed package."""


def _pyvis_lib() -> Path | None:
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "templates" / "lib"


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """``(javascript, css)`` of vis-network, ready to paste inside ``<script>`` and ``<style>``.

    Raises
    ------
    AssetError
        When no installed package ships vis-network (install ``pyvis==0.3.2``).
    """
    lib = _pyvis_lib()
    for version in VIS_VERSIONS:
        folder = lib / version if lib else None
        if folder and (folder / "vis-network.min.js").is_file() and (folder / "vis-network.css").is_file():
            js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
            css = (folder / "vis-network.css").read_text(encoding="utf-8")
            # The source-map comment makes DevTools fetch a file that is not there.
            # Cut at the comment itself: str.splitlines would also split inside
            # string literals holding U+2028, \x1c or \x85.
            cut = js.rfind("//# sourceMappingURL")
            js = js[:cut] if cut >= 0 else js
            if "</script" in js.lower() or "</style" in css.lower():
                raise AssetError(f"{folder}: vis-network text contains a closing tag and cannot be inlined")
            return js, css
    raise AssetError("vis-network not found: pyvis (which ships it under templates/lib) is not installed; "
                     "run `pip install pyvis==0.3.2`")
