"""`mandategraph plot`: the numbers, the PNGs (with a CJK font) and the HTML charts in Chromium."""
from __future__ import annotations

import warnings

import pytest

from conftest_browser import CHARTS_READY, browser, hostile_graph, open_page  # noqa: F401
from mandategraph.graph.sample import sample_graph
from mandategraph.viz import plot
from mandategraph.viz.fonts import FontError, cjk_font
from mandategraph.viz.plotdata import continuity_summary, theme_year_counts, unit_workload


def test_theme_counts_of_the_sample():
    assert theme_year_counts(sample_graph()).values.tolist() == [
        ["台州市", 2022, "公共数据开放", 1], ["温州市", 2019, "公共数据开放", 1],
        ["温州市", 2022, "公共数据开放", 1], ["温州市", 2022, "疫情防控", 1]]


def test_tasks_without_theme_are_counted_as_unclassified():
    g = sample_graph()
    g.remove_edges_from([(u, v, k) for u, v, k in list(g.edges(keys=True)) if k == "IN_THEME"])
    assert theme_year_counts(g).values.tolist() == [
        ["台州市", 2022, "未归类", 1], ["温州市", 2019, "未归类", 1], ["温州市", 2022, "未归类", 2]]


def test_workload_of_the_sample():
    df = unit_workload(sample_graph(), top=None)
    assert df.drop(columns=["unit"]).values.tolist() == [
        ["市大数据发展管理局", "温州市", 2, 0, 2], ["市大数据发展管理局", "台州市", 1, 0, 1],
        ["市疫情防控办", "温州市", 1, 0, 1], ["市级有关单位", "台州市", 0, 1, 1]]


def test_continuity_summary_of_the_sample():
    assert continuity_summary(sample_graph()).values.tolist() == [["温州市", 2019, 2022, 1, 2, 1, 1, 0]]


def test_seed_continuity_adds_up(seed_graph):
    df = continuity_summary(seed_graph)
    assert df[["jurisdiction", "from_year", "to_year", "from_tasks", "to_tasks"]].values.tolist() == [
        ["温州市", 2019, 2022, 39, 55]]
    row = df.iloc[0]
    assert row["continued"] + row["dropped"] == 39 and 0 < row["continued"] < 39 and 0 < row["new"] < 55


def test_plot_writes_png_html_csv_with_a_cjk_font(tmp_path, seed_graph):
    assert "CJK" in cjk_font() or "Han" in cjk_font() or "Hei" in cjk_font()
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" for every tofu box.
        warnings.simplefilter("error")
        r = plot(seed_graph, tmp_path / "plots", top=10)
    assert [f.name for f in r.files] == ["themes.png", "themes.html", "themes.csv", "workload.png", "workload.html",
                                         "workload.csv", "continuity.png", "continuity.html", "continuity.csv"]
    for f in r.files:
        if f.suffix == ".png":
            assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f.stat().st_size > 5_000
    assert (tmp_path / "plots" / "workload.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "name,jurisdiction,lead,assist,total"
    assert len(r.frames["workload"]) == 10 and r.notes == {}


def test_no_cjk_font_is_a_clear_error(monkeypatch):
    import mandategraph.viz.fonts as fonts

    monkeypatch.setattr(fonts, "PREFERRED", ("No Such Font",))
    monkeypatch.setattr(fonts, "_FILE_HINTS", ("nosuchfontfile",))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(FontError, match=r"install one \(Debian/Ubuntu: `apt-get install fonts-noto-cjk`\)"):
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()


@pytest.mark.browser
def test_html_charts_draw_every_bar_and_respond(tmp_path, seed_graph, browser, open_page):  # noqa: F811
    r = plot(seed_graph, tmp_path / "plots", top=12)
    wl = r.frames["workload"]
    open_page(tmp_path / "plots" / "workload.html", ready=CHARTS_READY)
    bars = int((wl["lead"] > 0).sum() + (wl["assist"] > 0).sum())
    assert browser.evaluate("document.querySelectorAll('rect.bar').length") == bars
    assert browser.evaluate("document.querySelectorAll('text.mg-lab')[0].textContent") == \
        f"{wl['name'][0]}（{wl['jurisdiction'][0]}）"
    # Clicking a legend entry hides that series.
    browser.evaluate("document.querySelector('.mg-leg[data-series=\"配合 assist\"]').click()")
    shown = "Array.from(document.querySelectorAll('rect.bar')).filter(r => r.style.display !== 'none').length"
    assert browser.evaluate(shown) == int((wl["lead"] > 0).sum())

    themes = r.frames["themes"]
    open_page(tmp_path / "plots" / "themes.html", ready=CHARTS_READY)
    assert browser.evaluate("document.querySelectorAll('table.mg-heat tbody tr').length") == themes["theme"].nunique()
    assert browser.evaluate("Array.from(document.querySelectorAll('table.mg-heat tbody td[data-j]'))"
                            ".reduce((s, c) => s + Number(c.dataset.v), 0)") == int(themes["tasks"].sum())
    browser.evaluate("(() => { const s = document.querySelector('select'); s.value = '温州市';"
                     " s.dispatchEvent(new Event('change')); })()")
    visible = "Array.from(document.querySelectorAll('thead th[data-j]')).filter(c => c.style.display !== 'none')" \
              ".map(c => c.textContent)"
    assert browser.evaluate(visible) == ["温州市2019", "温州市2022"]

    open_page(tmp_path / "plots" / "continuity.html", ready=CHARTS_READY)
    assert browser.evaluate("document.querySelectorAll('rect.bar').length") == 3  # continued, dropped, new
    assert browser.events_since_open().problems == []


@pytest.mark.browser
def test_unit_names_in_charts_are_text(tmp_path, hostile_graph, browser, open_page):  # noqa: F811
    plot(hostile_graph, tmp_path / "plots")
    open_page(tmp_path / "plots" / "workload.html", ready=CHARTS_READY)
    labels = browser.evaluate("Array.from(document.querySelectorAll('text.mg-lab')).map(t => t.textContent)")
    assert any("<img src=x onerror=" in lab for lab in labels)
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
