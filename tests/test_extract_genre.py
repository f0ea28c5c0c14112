"""Layouts of real plans beyond the five seeds, each as a small example
(lines taken from plans of other issuers in tests/data/corpus)."""
from __future__ import annotations

from mandategraph.loaders.extract import extract_text


def rows(text: str):
    ex = extract_text(text, "plan.txt", jurisdiction=None, year=2024)
    return [(t.marker, t.text[:12], [u.raw for u in t.lead], [u.raw for u in t.assist],
             t.deadline.raw if t.deadline else None) for t in ex.tasks]


def test_a_slot_with_role_phrase_and_deadline():
    text = ("一、深化重点领域信息公开\n"
            "1.疏解整治促提升等方面做好信息公开工作。(区发展改革委负责落实,完成时限:2022年10月)\n"
            "2.做好优化营商环境政策集成公开。(牵头单位：区财政局；责任单位：区数据局、区审计局)\n")
    assert rows(text) == [
        ("1.", "疏解整治促提升等方面做好", ["区发展改革委"], [], "2022年10月"),
        ("2.", "做好优化营商环境政策集成", ["区财政局"], ["区数据局", "区审计局"], None),
    ]


def test_a_table_one_cell_per_line_closed_by_bars():
    text = ("|\n工作任务\n|\n具体内容\n|\n责任部门\n|\n|\n"
            "推进政策公开\n|\n常态化公开就业、住房、教育等领域信息。\n|\n财政所、便民综合服务中心、土管所等\n|\n|\n"
            "积极探索特定群体的线下公开渠道。\n|\n便民综合服务中心\n|\n|\n")
    assert rows(text) == [
        ("", "常态化公开就业、住房、教", ["财政所", "便民综合服务中心", "土管所"], [], None),
        ("", "积极探索特定群体的线下公", ["便民综合服务中心"], [], None),
    ]


def test_a_pipe_table_whose_category_cell_is_left_out_of_later_rows():
    text = ("工作任务 | 具体要求 | 责任单位 |\n"
            "(一)加强涉及市场主体的信息公开。 | 1.加大帮扶政策的公开力度,促进稳就业。 | 区发展改革局、各镇(街) |\n"
            "2.持续推进反垄断执法信息公开工作。 | 区市场监管局、各镇(街) |\n")
    assert rows(text) == [
        ("1", "加大帮扶政策的公开力度,", ["区发展改革局", "各镇(街)"], [], None),
        ("2", "持续推进反垄断执法信息公", ["区市场监管局", "各镇(街)"], [], None),
    ]


def test_a_section_heading_names_the_units_of_its_table():
    text = ("一、各区、县(市)政府、市政府各部门负责落实的工作任务\n序号\n任务事项\n工作要求\n完成时限\n"
            "1\n公开预期引导信息\n对出台的政策进行深入解读。\n长期推进\n")
    assert rows(text) == [("1", "对出台的政策进行深入解读", ["各区、县(市)政府", "市政府各部门"], [], "长期推进")]


def test_a_body_run_together_on_one_line():
    text = ("2022年某区政务公开工作要点 为深入贯彻落实国家和省有关要求,结合实际,制定本要点。" + "结合我区实际。" * 20 +
            " 一、强化重点领域信息公开 (一)做好规划信息公开。主动公开各类规划。(区发改委负责) "
            "(二)做好财政信息公开。(区财政局负责)\n")
    assert [(m, l) for m, _, l, _, _ in rows(text)] == [("（一）", ["区发改委"]), ("（二）", ["区财政局"])]


def test_an_item_cut_off_at_the_end_of_the_page_is_reported_not_taken():
    text = "一、公开\n(一)推进预算公开。(市财政局牵头)\n(二)推进决算公开,及时公开部门决算。(市财政局、市审"
    ex = extract_text(text, "cut.txt", year=2024)
    assert [t.marker for t in ex.tasks] == ["（一）"]
    assert [u.reason for u in ex.unplaced] == ["task cut off at the end of the document (its text or unit list is incomplete)"]


def test_a_standing_note_in_a_slot_is_not_a_unit():
    text = ("(一)加强重大行政决策信息公开。(责任单位:省政府办公厅,其他省级有关单位。"
            "本要点各项工作均需各市、县〔市、区〕政府作为责任单位,以下不再列出)\n")
    assert rows(text) == [("（一）", "加强重大行政决策信息公开", ["省政府办公厅", "其他省级有关单位", "各市、县〔市、区〕政府"], [], None)]


def test_slot_spellings_seen_in_the_genre():
    """Labels set apart by a space, a label with a note, a person's label, a
    date standing in the slot, units joined by 和, a bracket that is a note."""
    from mandategraph.loaders.roles import read_slot

    def roles(text):
        r = read_slot(text)
        return [u.raw for u in r.lead], [u.raw for u in r.assist], r.deadline

    assert roles("牵头单位：市政府办公室 责任单位：各县区") == (["市政府办公室"], ["各县区"], "")
    assert roles("责任单位（部门）：市财政局和市审计局") == (["市财政局", "市审计局"], [], "")
    assert roles("牵头领导：张三；责任单位：市财政局") == (["市财政局"], [], "")
    assert roles("市财政局牵头，2023年6月底前完成") == (["市财政局"], [], "2023年6月底前完成")
    assert roles("市发展和改革委员会、市住房和城乡建设局负责") == (["市发展和改革委员会", "市住房和城乡建设局"], [], "")
    assert roles("各县（市、区）人民政府，市直有关单位（按职责分工）") == (["各县（市、区）人民政府", "市直有关单位"], [], "")


def test_a_pipe_table_whose_header_the_page_left_out():
    """An excerpt that starts inside the table: the columns are named after
    what they hold (a sentence, a unit list)."""
    text = ("2.做好规划归集整理和主动公开工作。 | 市政府办公室、市发展和改革局牵头,市直有关部门配合;各镇(街)参照落实 |\n"
            "二、做好监管执法信息公开。 | 3.主动公开全国统一的市场准入负面清单,及时做好更新发布。 | 市发展和改革局、市科工商务局;各镇(街) |\n")
    assert rows(text) == [
        ("2", "做好规划归集整理和主动公", ["市政府办公室", "市发展和改革局", "各镇(街)"], ["市直有关部门"], None),
        ("3", "主动公开全国统一的市场准", ["市发展和改革局", "市科工商务局", "各镇(街)"], [], None),
    ]


def test_a_page_whose_only_item_is_cut_off_says_so(tmp_path):
    import pytest

    from mandategraph.errors import ParseError

    with pytest.raises(ParseError, match="no complete task: the only one, at line 2, is cut off"):
        extract_text("一、公开\n(一)推进预算公开,及时公开部门预算。(市财政局、市审", "cut.txt", year=2024)
