"""Plain variations of the seed formats: other numbering, other table layouts, labelled slots.

Each document here is small and written for the test; the expected tasks are
read off the document by eye.
"""
from __future__ import annotations

from mandategraph.loaders.extract import extract_text


def rows(text: str, **kw):
    ex = extract_text(text, "variant.txt", **kw)
    return [(t.path, t.text, [u.raw for u in t.lead], [u.raw for u in t.assist],
             t.deadline.normalized if t.deadline else None) for t in ex.tasks]


def test_labelled_lines_after_an_item_are_its_slots():
    doc = """2023年瑞安市政务公开工作要点
一、深化公开
（一）推进财政预决算公开。按规定公开预决算。
牵头单位：市财政局
配合单位：市审计局、各乡镇人民政府
完成时限：2023年6月底前
（二）加强政策解读。做好解读。责任单位：市政府办公室；完成时限：长期坚持
1.编制目录。（市司法局牵头，市大数据中心配合）
2.更新目录。
"""
    assert rows(doc) == [
        (["一", "（一）"], "推进财政预决算公开。按规定公开预决算。", ["市财政局"], ["市审计局", "各乡镇人民政府"], "2023-06-30"),
        (["一", "（二）"], "加强政策解读。做好解读。", ["市政府办公室"], [], "ongoing"),
        (["一", "（二）", "1."], "编制目录。", ["市司法局"], ["市大数据中心"], None),
        (["一", "（二）", "2."], "更新目录。", [], [], None),
    ]


def test_pipe_table_with_lead_and_assist_columns():
    doc = """2021年平阳县政务公开重点任务清单
序号 | 重点任务 | 牵头单位 | 配合单位 | 完成时限 |
1 | 公开财政预决算 | 县财政局 | 县审计局、各乡镇 | 2021年10月底前 |
2 | 完善依申请公开 | 县司法局 |  | 第四季度 |
"""
    assert rows(doc) == [
        (["1"], "公开财政预决算", ["县财政局"], ["县审计局", "各乡镇"], "2021-10-31"),
        (["2"], "完善依申请公开", ["县司法局"], [], "2021-12-31"),
    ]


def test_tsv_table_where_responsibility_column_holds_role_words():
    doc = "2020年鹿城区政务公开任务分解表\n序号\t工作任务\t责任单位\t完成时间\n" \
          "1\t推进政府网站集约化\t区大数据中心牵头，区政府办公室配合\t11月底前\n" \
          "2\t规范政务新媒体\t区委网信办、区政府办公室分别负责\t长期\n"
    assert rows(doc) == [
        (["1"], "推进政府网站集约化", ["区大数据中心"], ["区政府办公室"], "2020-11-30"),
        (["2"], "规范政务新媒体", ["区委网信办", "区政府办公室"], [], "ongoing"),
    ]


def test_arabic_numbered_items_with_full_width_digits_and_sub_items():
    doc = """荣县2020年政务公开工作要点
１．推进重点领域公开。做好重点领域信息公开（县发改局主责，县财政局协助）。
（1）公开项目信息。（县住建局牵头）
（2）公开资金信息。
"""
    assert rows(doc) == [
        (["1."], "推进重点领域公开。做好重点领域信息公开。", ["县发改局"], ["县财政局"], None),
        (["1.", "（1）"], "公开项目信息。", ["县住建局"], [], None),
        (["1.", "（2）"], "公开资金信息。", [], [], None),
    ]


def test_overrides_and_metadata_of_a_county_plan():
    ex = extract_text("荣县2020年政务公开工作要点\n一、公开\n（一）推进公开。(县财政局牵头)\n", "v.txt")
    assert (ex.meta.jurisdiction.name, ex.meta.jurisdiction.code, ex.meta.year) == ("荣县", "510321", 2020)
    assert [n for _, n in ex.meta.jurisdiction.parents] == ["自贡市", "四川省"]
    ex = extract_text("荣县2020年政务公开工作要点\n一、公开\n（一）推进公开。(县财政局牵头)\n", "v.txt",
                      jurisdiction="温州市", year=2023)
    assert (ex.meta.jurisdiction.code, ex.meta.year, ex.tasks[0].year) == ("330300", 2023, 2023)


def test_catch_all_is_removed_and_the_implied_others_recorded():
    ex = extract_text("2024年某区政务公开要点\n一、公开\n（一）推进公开。（区发展改革局、区投资促进局等有关部门(单位)牵头）\n", "v.txt")
    lead = ex.tasks[0].lead
    assert [(u.raw, u.implied_others) for u in lead] == [("区发展改革局", False), ("区投资促进局", True)]


def test_table_with_a_leader_column_and_a_division_of_labour_column():
    doc = "2022年鹿城区政务公开工作任务分工\n序号 | 工作举措 | 责任领导 | 责任分工 | 完成时限 |\n" \
          "1 | 完善政策解读机制 | 张三 | 区政府办公室牵头，区司法局配合 | 上半年 |\n"
    assert rows(doc) == [(["1"], "完善政策解读机制", ["区政府办公室"], ["区司法局"], "2022-06-30")]
