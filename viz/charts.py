"""Interactive HTML charts written by hand: SVG bars and an HTML heat table, no library, no CDN.

Each chart is an HTML fragment (a ``<figure class="mg-chart">``) that works
inside any page carrying :data:`CHART_CSS` and :data:`CHART_JS` once:
hovering a bar or cell shows its numbers, clicking a legend entry hides or
shows a series, the heat table filters by jurisdiction and sorts by a
column. Every label is escaped: unit names come from documents.
"""
from __future__ import annotations

import html
from importlib import resources

import pandas as pd

__all__ = ["bar_chart", "heat_table", "chart_page", "CHART_CSS", "CHART_JS", "theme_chart", "workload_chart",
           "continuity_chart"]

E = html.escape


def _text_width(s: str, px: float = 13.0) -> float:
    # CJK characters are about one em wide, Latin ones about half.
    return sum(px if ord(ch) > 0x2E80 else px * 0.55 for ch in s)


def bar_chart(chart_id: str, title: str, labels: list[str], series: list[tuple[str, str, list[float]]],
              note: str = "", unit: str = "tasks") -> str:
    """Horizontal stacked bars, one row per label, one colour per series.

    Parameters
    ----------
    chart_id : str
        An id unique in the page.
    labels : list of str
        Row labels, drawn top to bottom.
    series : list of (name, colour, values)
        Stacked left to right; ``values`` aligned with ``labels``.
    """
    row_h, bar_h, plot_w = 24, 16, 460
    label_w = min(max([_text_width(lab) for lab in labels] + [60]) + 12, 300)
    totals = [sum(s[2][i] for s in series) for i in range(len(labels))]
    top = max(totals + [1])
    height = row_h * len(labels) + 30
    width = label_w + plot_w + 60
    parts = [f'<svg class="mg-bars" width="{width:.0f}" height="{height}" viewBox="0 0 {width:.0f} {height}" '
             f'role="img" aria-label="{E(title)}">']
    for i, lab in enumerate(labels):
        y = i * row_h + 4
        parts.append(f'<text class="mg-lab" x="{label_w - 8:.0f}" y="{y + bar_h - 3}" text-anchor="end">{E(lab)}</text>')
        x = label_w
        for name, colour, values in series:
            v = values[i]
            w = plot_w * v / top
            if v:
                parts.append(f'<rect class="bar" data-series="{E(name)}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                             f'height="{bar_h}" fill="{colour}"><title>{E(lab)} · {E(name)}: {v:g} {E(unit)}</title></rect>')
            x += w
        parts.append(f'<text class="mg-val" x="{x + 4:.1f}" y="{y + bar_h - 3}">{totals[i]:g}</text>')
    # Axis: zero line and the top value.
    axis_y = len(labels) * row_h + 8
    parts.append(f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{axis_y}" stroke="#aab7b8"/>')
    parts.append(f'<text class="mg-val" x="{label_w + plot_w}" y="{axis_y + 14}" text-anchor="end">{top:g} {E(unit)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<button type="button" class="mg-leg" data-series="{E(n)}" aria-pressed="true">'
                     f'<span style="background:{c}"></span>{E(n)}</button>' for n, c, _ in series)
    empty = "" if labels else '<p class="mg-empty">No data.</p>'
    return (f'<figure class="mg-chart" id="{E(chart_id)}"><figcaption>{E(title)}</figcaption>'
            f'<div class="mg-legend">{legend}</div>{empty}{"".join(parts) if labels else ""}'
            f'{f"<p class=mg-note>{E(note)}</p>" if note else ""}</figure>')


def heat_table(chart_id: str, title: str, df: pd.DataFrame, note: str = "") -> str:
    """Themes down, jurisdiction-years across, task counts in shaded cells.

    ``df`` has columns jurisdiction, year, theme, tasks. A select filters the
    columns to one jurisdiction; clicking a column header sorts the rows.
    """
    if df.empty:
        return f'<figure class="mg-chart" id="{E(chart_id)}"><figcaption>{E(title)}</figcaption><p class="mg-empty">No data.</p></figure>'
    cols = sorted({(j, int(y)) for j, y in zip(df["jurisdiction"], df["year"])})
    pivot = df.pivot_table(index="theme", columns=["jurisdiction", "year"], values="tasks", aggfunc="sum", fill_value=0)
    themes = sorted(pivot.index, key=lambda t: (-int(pivot.loc[t].sum()), t))
    top = max(int(pivot.values.max()), 1)
    jurisdictions = sorted({j for j, _ in cols})
    options = '<option value="">全部 all</option>' + "".join(f'<option value="{E(j)}">{E(j)}</option>' for j in jurisdictions)
    head = "".join(f'<th data-j="{E(j)}" data-col="{i + 1}">{E(j)}<br>{y}</th>' for i, (j, y) in enumerate(cols))
    rows = []
    for th in themes:
        cells = []
        for j, y in cols:
            v = int(pivot.loc[th, (j, y)]) if (j, y) in pivot.columns else 0
            alpha = 0.08 + 0.82 * v / top if v else 0
            cells.append(f'<td data-j="{E(j)}" data-v="{v}" style="background:rgba(36,113,163,{alpha:.2f});'
                         f'color:{"#fff" if alpha > 0.5 else "#1c2833"}" title="{E(th)} · {E(j)} {y}: {v} tasks">'
                         f'{v or ""}</td>')
        total = int(pivot.loc[th].sum())
        rows.append(f'<tr><th scope="row" data-v="{E(th)}">{E(th)}</th>{"".join(cells)}<td class="mg-total" data-v="{total}">{total}</td></tr>')
    return (f'<figure class="mg-chart" id="{E(chart_id)}"><figcaption>{E(title)}</figcaption>'
            f'<label class="mg-filter">行政区 Jurisdiction <select>{options}</select></label>'
            f'<table class="mg-heat"><thead><tr><th data-col="0">主题 Theme</th>{head}'
            f'<th data-col="{len(cols) + 1}">合计 Total</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'{f"<p class=mg-note>{E(note)}</p>" if note else ""}</figure>')


def theme_chart(df: pd.DataFrame, note: str = "") -> str:
    """The tasks-per-theme heat table."""
    return heat_table("themes", "任务主题分布 Tasks per theme, year and jurisdiction", df, note)


def workload_chart(df: pd.DataFrame, note: str = "") -> str:
    """The lead/assist workload bars (one row per unit)."""
    labels = [f"{n}（{j}）" for n, j in zip(df["name"], df["jurisdiction"])]
    return bar_chart("workload", f"单位工作量 Workload per unit (top {len(df)})", labels,
                     [("牵头 lead", "#2471a3", [float(x) for x in df["lead"]]),
                      ("配合 assist", "#85c1e9", [float(x) for x in df["assist"]])], note)


def continuity_chart(df: pd.DataFrame, note: str = "") -> str:
    """Continued / dropped / new bars per jurisdiction and pair of years."""
    labels = [f"{j} {a}→{b}" for j, a, b in zip(df["jurisdiction"], df["from_year"], df["to_year"])]
    return bar_chart("continuity", "延续情况 Continuity between plan years", labels,
                     [("延续 continued", "#e74c3c", [float(x) for x in df["continued"]]),
                      ("未延续 dropped", "#b2babb", [float(x) for x in df["dropped"]]),
                      ("新增 new", "#27ae60", [float(x) for x in df["new"]])], note)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


CHART_CSS = _asset("charts.css")
CHART_JS = _asset("charts.js")

_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
        "font-src data:")


def chart_page(title: str, body: str) -> str:
    """A complete, self-contained HTML page around chart fragments (and any escaped HTML ``body``)."""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{E(title)} · mandategraph</title><style>{CHART_CSS}</style></head>'
            f'<body><main><h1>{E(title)}</h1>{body}</main><script>{CHART_JS}</script></body></html>\n')
