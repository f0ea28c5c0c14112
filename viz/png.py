"""PNG versions of the plots, drawn by matplotlib with a CJK font.

The Agg backend is chosen explicitly so plots render with no display.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .fonts import cjk_font

__all__ = ["theme_png", "workload_png", "continuity_png"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    font = cjk_font()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False  # the CJK font may lack U+2212
    return plt


def _empty(plt, title: str, message: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, 2.2))
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=13)
    ax.text(0.5, 0.45, message, ha="center", va="center", fontsize=12, color="#7d6608")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def theme_png(df: pd.DataFrame, path: str | Path, note: str = "") -> Path:
    """Heat map of tasks per theme (rows) and jurisdiction-year (columns)."""
    plt = _pyplot()
    path = Path(path)
    title = "任务主题分布 Tasks per theme, year and jurisdiction"
    if df.empty:
        return _empty(plt, title, "No tasks.", path)
    pivot = df.pivot_table(index="theme", columns=["jurisdiction", "year"], values="tasks", aggfunc="sum", fill_value=0)
    pivot = pivot.loc[sorted(pivot.index, key=lambda t: (-int(pivot.loc[t].sum()), t))]
    rows, cols = pivot.shape
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * cols + 3.0), max(2.5, 0.42 * rows + 1.6)))
    ax.imshow(pivot.values, cmap="Blues", aspect="auto", vmin=0)
    ax.set_xticks(range(cols), [f"{j}\n{y}" for j, y in pivot.columns], fontsize=10)
    ax.set_yticks(range(rows), list(pivot.index), fontsize=10)
    top = max(int(pivot.values.max()), 1)
    for i in range(rows):
        for j in range(cols):
            v = int(pivot.values[i, j])
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=9, color="white" if v > top * 0.55 else "#1c2833")
    ax.set_title(title, loc="left", fontsize=13)
    return _save(plt, fig, path, note)


def _save(plt, fig, path: Path, note: str) -> Path:
    # The note goes in a strip kept free below the axes, so it never covers a label.
    fig.tight_layout(rect=(0, 0.07 if note else 0, 1, 1))
    if note:
        fig.text(0.01, 0.01, note, fontsize=9, color="#7d6608")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _hbars(plt, labels: list[str], series: list[tuple[str, str, list[int]]], title: str, path: Path, note: str) -> Path:
    if not labels:
        return _empty(plt, title, note or "No data.", path)
    fig, ax = plt.subplots(figsize=(9, max(2.4, 0.34 * len(labels) + 1.6)))
    y = list(range(len(labels)))
    left = [0] * len(labels)
    for name, colour, values in series:
        ax.barh(y, values, left=left, color=colour, label=name, height=0.7)
        left = [a + b for a, b in zip(left, values)]
    for i, total in enumerate(left):
        ax.text(total, i, f" {total}", va="center", fontsize=9, color="#566573")
    ax.set_yticks(y, labels, fontsize=10)
    pad = max(0.0, (3 - len(labels)) * 0.5)  # one or two rows: keep bars thin
    ax.set_ylim(len(labels) - 0.5 + pad, -0.5 - pad)
    ax.set_xlabel("tasks")
    ax.spines[["top", "right"]].set_visible(False)
    # Legend above the axes: inside, it hid bars of its own colour.
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(series), fontsize=9, frameon=False)
    ax.set_title(title, loc="left", fontsize=13, pad=24)
    return _save(plt, fig, path, note)


def workload_png(df: pd.DataFrame, path: str | Path, note: str = "") -> Path:
    """Stacked bars of lead and assist tasks per unit."""
    plt = _pyplot()
    labels = [f"{n}（{j}）" for n, j in zip(df["name"], df["jurisdiction"])]
    return _hbars(plt, labels, [("牵头 lead", "#2471a3", list(df["lead"])), ("配合 assist", "#85c1e9", list(df["assist"]))],
                  f"单位工作量 Workload per unit (top {len(df)})", Path(path), note)


def continuity_png(df: pd.DataFrame, path: str | Path, note: str = "") -> Path:
    """Stacked bars of continued, dropped and new tasks per jurisdiction and pair of years."""
    plt = _pyplot()
    labels = [f"{j} {a}→{b}" for j, a, b in zip(df["jurisdiction"], df["from_year"], df["to_year"])]
    return _hbars(plt, labels, [("延续 continued", "#e74c3c", list(df["continued"])),
                                ("未延续 dropped", "#b2babb", list(df["dropped"])),
                                ("新增 new", "#27ae60", list(df["new"]))],
                  "延续情况 Continuity between plan years", Path(path),
                  note or ("" if labels else "No jurisdiction has two plan years."))
