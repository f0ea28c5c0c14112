"""Find a font that draws Chinese for matplotlib, or say how to install one.

matplotlib's default DejaVu Sans has no Han characters and draws tofu boxes.
On Debian the fonts come from ``fonts-noto-cjk``; elsewhere any of the names
in :data:`PREFERRED` will do. matplotlib caches its font list, so a font
installed after the cache was written is looked for on disk as well.
"""
from __future__ import annotations

from functools import lru_cache

from ..errors import MandateGraphError

__all__ = ["FontError", "cjk_font", "PREFERRED"]

# Simplified-Chinese faces first: a Pan-CJK collection's JP face draws some
# characters with Japanese glyph shapes.
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC",
             "SimHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Serif CJK SC",
             "AR PL UMing CN", "Droid Sans Fallback")
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "simhei", "msyh", "droidsansfallback",
               "uming", "ukai")


class FontError(MandateGraphError):
    """No font able to draw Chinese text is installed."""


def _known() -> dict[str, str]:
    from matplotlib import font_manager as fm

    return {f.name: f.fname for f in fm.fontManager.ttflist}


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of an installed CJK font that matplotlib can use.

    Raises
    ------
    FontError
        When none is installed; the message says which package to install.
    """
    from matplotlib import font_manager as fm

    names = _known()
    for name in PREFERRED:
        if name in names:
            return name
    # Installed after matplotlib built its cache: add the files by hand.
    for path in fm.findSystemFonts():
        if any(h in path.lower().replace("-", "").replace("_", "") for h in _FILE_HINTS):
            try:
                fm.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    names = _known()
    for name in PREFERRED:
        if name in names:
            return name
    raise FontError("no font that can draw Chinese is installed, so plots would show empty boxes; "
                    "install one (Debian/Ubuntu: `apt-get install fonts-noto-cjk`) and run again")
