"""The responsibility-slot grammar and the unit recogniser, as properties.

A slot is clauses in any order — ``label : units`` or ``units + role
phrase`` — with full-width or ASCII punctuation, in simplified or
traditional script; whatever the order and the spelling, each unit gets the
role the reading conventions give it.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mandategraph.loaders.reading import to_simplified
from mandategraph.loaders.roles import read_slot
from mandategraph.loaders.units import looks_like_unit, unit_names

UNITS = ["市财政局", "区发改委", "县政府办公室", "综合科", "监测司", "各镇(街)", "各区、县(市)政府", "市委宣传部(市新闻办)",
         "区数据局", "办公室", "法规处", "市直有关部门", "高新区管委会", "各县〔市、区〕人民政府", "执法监督处", "市市场监管局"]
LEAD_LABELS = ["牵头单位", "牵头科室", "牵头处室", "主责单位", "牵头部门"]
RESP_LABELS = ["责任单位", "责任科室", "责任部门", "落实单位"]
ASSIST_LABELS = ["配合单位", "配合科室", "协办单位", "配合部门"]
LEAD_WORDS = ["牵头", "牵头落实", "负责", "负责落实", "按职责分工负责", "分别负责"]
ASSIST_WORDS = ["配合", "协助", "参与"]

unit_lists = st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True)


@st.composite
def slots(draw):
    """A slot text and the roles its units must get."""
    pool = list(UNITS)
    draw(st.randoms()).shuffle(pool)
    clauses, lead, assist = [], [], []
    kinds = draw(st.lists(st.sampled_from(["lead_label", "resp_label", "assist_label", "lead_word", "assist_word"]),
                          min_size=1, max_size=3, unique=True))
    has_lead_label = "lead_label" in kinds
    for kind in kinds:
        n = draw(st.integers(1, 2))
        units, pool = pool[:n], pool[n:]
        listed = "、".join(units)
        if kind.endswith("label"):
            label = draw(st.sampled_from({"lead_label": LEAD_LABELS, "resp_label": RESP_LABELS,
                                          "assist_label": ASSIST_LABELS}[kind]))
            clauses.append(f"{label}{draw(st.sampled_from(['：', ':']))}{listed}")
            role = {"lead_label": "lead", "assist_label": "assist"}.get(kind, "assist" if has_lead_label else "lead")
        else:
            word = draw(st.sampled_from(LEAD_WORDS if kind == "lead_word" else ASSIST_WORDS))
            clauses.append(listed + word)
            role = "lead" if kind == "lead_word" else "assist"
        (lead if role == "lead" else assist).extend(units)
    sep = draw(st.sampled_from(["；", ";", "，", ",", "。"]))
    text = sep.join(clauses)
    if draw(st.booleans()):
        text += draw(st.sampled_from(["，完成时限：2024年10月", ",完成时限:年底前", "；时限要求：长期坚持"]))
    return text, lead, assist


@settings(max_examples=300)
@given(slots())
def test_every_unit_gets_its_role_whatever_the_order_and_punctuation(case):
    text, lead, assist = case
    reading = read_slot(text)
    assert reading.understood
    assert sorted(u.raw for u in reading.lead) == sorted(lead)
    assert sorted(u.raw for u in reading.assist) == sorted(assist)


TRADITIONAL = str.maketrans({"头": "頭", "责": "責", "单": "單", "门": "門", "协": "協", "办": "辦", "负": "負",
                             "实": "實", "务": "務", "处": "處", "县": "縣", "区": "區", "数": "數", "据": "據",
                             "发": "發", "改": "改", "宣": "宣", "传": "傳", "闻": "聞", "场": "場", "监": "監",
                             "管": "管", "财": "財", "政": "政", "执": "執", "规": "規", "职": "職", "与": "與"})


@settings(max_examples=150)
@given(slots())
def test_traditional_script_reads_as_simplified(case):
    text, lead, assist = case
    reading = read_slot(to_simplified(text.translate(TRADITIONAL))[0])
    assert sorted(u.raw for u in reading.lead) == sorted(lead)
    assert sorted(u.raw for u in reading.assist) == sorted(assist)


def test_the_issue_examples():
    """The slots the reader once got wrong or missed (issue 20)."""
    def roles(text):
        r = read_slot(text)
        return [u.raw for u in r.lead], [u.raw for u in r.assist], r.deadline

    assert roles("牵头单位：县财政局；责任单位：县数据局、县审计局") == (["县财政局"], ["县数据局", "县审计局"], "")
    assert roles("综合处牵头落实,完成时限:2024年10月") == (["综合处"], [], "2024年10月")
    assert roles("市财政局负责落实") == (["市财政局"], [], "")
    assert roles("区政府办公室、区科信委牵头,各部门、各街道负责落实") == (["区政府办公室", "区科信委", "各部门", "各街道"], [], "")
    assert roles("监测司牵头,会同大气司落实") == (["监测司"], ["大气司"], "")
    assert roles("责任单位:市发展改革委、市商务局,各区县政府、高新区管委会。逗号前为牵头单位,下同") == (
        ["市发展改革委", "市商务局"], ["各区县政府", "高新区管委会"], "")
    assert roles("省直有关部门,各州、市人民政府按照职责分工负责") == (["省直有关部门", "各州、市人民政府"], [], "")


@given(unit_lists, st.sampled_from(["、", "，", ",", "；"]))
def test_unit_lists_split_back_into_their_units(units, sep):
    assert unit_names(sep.join(units)) == units


@given(st.sampled_from(["市", "区", "县", "省", ""]), st.sampled_from(["财政", "发展改革", "数据", "监测", "综合", "政务服务"]),
       st.sampled_from(["局", "委", "办", "中心", "科", "处", "司", "厅", "管理局"]))
def test_unit_shaped_names_look_like_units(prefix, core, head):
    assert looks_like_unit(prefix + core + head)


@given(st.sampled_from(["要", "的", "做好", "作为", "以下"]), st.sampled_from(["市财政局", "各部门", "区数据局"]))
def test_clauses_that_only_end_like_a_unit_are_not_units(word, unit):
    assert not looks_like_unit(f"本要点各项工作{word}{unit}")
