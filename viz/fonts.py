"""Find a font that draws Chinese for matplotlib, or say how to install one.

matplotlib's default DejaVu Sans has no Han characters and draws tofu boxes.
A system font named in :data:`PREFERRED` is used when one is installed (on
Debian ``fonts-noto-cjk``); matplotlib caches its font list, so a font
installed after the cache was written is looked for on disk as well. Without
one, the Noto Sans CJK collection of the pip package ``noto-cjk-sans-otc`` (a
dependency of mandategraph, SIL Open Font License 1.1) is registered with
matplotlib and its Simplified-Chinese face used, so plots need pip packages
only. Only the PNG plots need this: the HTML pages use the browser's fonts.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import MandateGraphError

__all__ = ["FontError", "cjk_font", "packaged_font_file", "PREFERRED", "PACKAGED_FONT"]

# Simplified-Chinese faces first: a Pan-CJK collection's JP face draws some
# characters with Japanese glyph shapes.
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC",
             "SimHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Serif CJK SC",
             "AR PL UMing CN", "Droid Sans Fallback")
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "simhei", "msyh", "droidsansfallback",
               "uming", "ukai")
# (module, file) of the font that comes with the pip dependency noto-cjk-sans-otc:
# Noto Sans CJK Regular, faces JP, KR, SC (index 2), TC, HK and their Mono forms.
PACKAGED_FONT = ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc")


class FontError(MandateGraphError):
    """No font able to draw Chinese text is installed."""


def _known() -> dict[str, str]:
    from matplotlib import font_manager as fm

    return {f.name: f.fname for f in fm.fontManager.ttflist}


def _first_preferred() -> str | None:
    names = _known()
    return next((name for name in PREFERRED if name in names), None)


def packaged_font_file() -> Path | None:
    """The font file of the pip package ``noto-cjk-sans-otc``, or None when it is not installed."""
    from importlib.resources import files

    module, name = PACKAGED_FONT
    try:
        path = Path(str(files(module) / name))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of a CJK font that matplotlib can use.

    A system font of :data:`PREFERRED` first, else the packaged Noto Sans CJK
    (registered with matplotlib here, for this process).

    Raises
    ------
    FontError
        When neither is installed; the message says which package to install.
    """
    from matplotlib import font_manager as fm

    if found := _first_preferred():
        return found
    # Installed after matplotlib built its cache: add the files by hand.
    for path in fm.findSystemFonts():
        if any(h in path.lower().replace("-", "").replace("_", "") for h in _FILE_HINTS):
            try:
                fm.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    if found := _first_preferred():
        return found
    # No system font: the one that comes with the pip packages.
    packaged = packaged_font_file()
    if packaged is not None:
        try:
            fm.fontManager.addfont(packaged)
        except (OSError, RuntimeError, ValueError):
            pass
        else:
            if found := _first_preferred():
                return found
    raise FontError("no font that can draw Chinese is installed, so plots would show empty boxes; "
                    "install one (Debian/Ubuntu: `apt-get install fonts-noto-cjk`) or mandategraph's pinned "
                    "dependency `noto-cjk-sans-otc` (`pip install -e .`) and run again")
