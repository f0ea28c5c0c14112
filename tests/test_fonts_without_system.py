"""The PNG plots need pip packages only: with every system font out of sight,
the report draws its Chinese labels with the Noto Sans CJK of the pip package
``noto-cjk-sans-otc`` (issue 21).

The system fonts are hidden in a mount namespace of a child process: ``unshare
-m`` (as root) with a tmpfs over each font folder and a fresh matplotlib
cache, so nothing on this machine changes.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mandategraph.viz.fonts import PREFERRED, packaged_font_file

# Where fontconfig and matplotlib look for system fonts on Linux.
FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "/usr/X11R6/lib/X11/fonts", "/usr/X11/lib/X11/fonts",
             "/usr/lib/openoffice/share/fonts/truetype", str(Path.home() / ".fonts"),
             str(Path.home() / ".local/share/fonts")]

# Runs in the namespace: the report (which draws every plot through the same
# code as `mandategraph plot`) of the sample graph, then says which font file
# drew the labels and which of their characters that face lacks.
SNIPPET = r"""
import json, sys, warnings
from pathlib import Path
from fontTools.ttLib import TTFont
from matplotlib import font_manager as fm
from mandategraph.graph.sample import sample_graph
from mandategraph.viz import report
from mandategraph.viz.fonts import cjk_font
from mandategraph.viz.plotdata import continuity_summary, theme_year_counts, unit_workload

out = Path(sys.argv[1])
g = sample_graph()
with warnings.catch_warnings():
    warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for every tofu box
    r = report(g, out)
name = cjk_font()
path = fm.findfont(fm.FontProperties(family=name), fallback_to_default=False)
# Every title, legend and label of the three plots.
text = "任务主题分布单位工作量延续情况牵头配合未延续新增→（）"
for df in (theme_year_counts(g), unit_workload(g, 20), continuity_summary(g)):
    for col in ("theme", "jurisdiction", "name"):
        if col in df:
            text += "".join(map(str, df[col]))
han = sorted({c for c in text if ord(c) > 0x2000})
cmap = TTFont(str(path), fontNumber=getattr(path, "face_index", 0), lazy=True).getBestCmap()
system = [f for f in fm.findSystemFonts() if "cjk" in f.lower() or "han" in f.lower()]
print(json.dumps({"font": name, "file": str(path), "face": getattr(path, "face_index", 0),
                  "missing": [c for c in han if ord(c) not in cmap], "drawn": len(han),
                  "pngs": sorted(p.name for p in r.plots if p.suffix == ".png"), "system_cjk": system,
                  "pages": [str(p) for p in sorted(out.rglob("*.html"))]}, ensure_ascii=False))
"""


def _can_unshare(scratch: Path) -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to mount a tmpfs over the system font folders"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux) to hide the system fonts in a mount namespace"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs tmpfs '{scratch}'"],
                           capture_output=True, text=True)
    if probe.returncode:
        return f"unshare -m with a tmpfs mount is not allowed here: {probe.stderr.strip()}"
    return None


def test_report_draws_chinese_with_the_packaged_font_when_no_system_font_is_installed(tmp_path):
    reason = _can_unshare(tmp_path)
    if reason:
        pytest.skip(reason)
    packaged = packaged_font_file()
    assert packaged is not None, "the pip dependency noto-cjk-sans-otc is not installed: pip install -e ."
    mounts = " && ".join(f"mount -t tmpfs tmpfs '{d}'" for d in FONT_DIRS if Path(d).is_dir())
    (tmp_path / "mpl").mkdir()
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run(["unshare", "-m", "sh", "-c", f'{mounts} && exec "$0" -c "$1" "$2"',
                           sys.executable, SNIPPET, str(tmp_path / "report")],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["system_cjk"] == [], "a system CJK font was still visible"
    assert Path(seen["file"]) == packaged and seen["font"] == PREFERRED[0] == "Noto Sans CJK SC"
    assert seen["face"] == 2  # the SC face of the collection, not its first (JP) one
    assert seen["drawn"] > 20 and seen["missing"] == [], f"tofu for {seen['missing']}"
    assert seen["pngs"] == ["continuity.png", "themes.png", "workload.png"]
    for name in seen["pngs"]:
        data = (tmp_path / "report" / "plots" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    # The HTML pages name no font file: they draw with the browser's fonts.
    assert seen["pages"]
    for page in seen["pages"]:
        text = Path(page).read_text(encoding="utf-8")
        assert "NotoSansCJK" not in text and "noto_cjk_sans_otc" not in text
