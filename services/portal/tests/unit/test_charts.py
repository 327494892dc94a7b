"""The server-side bar charts, on their own: no app, no system. The SVG is parsed as XML, as a browser would."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from portal.charts import bar_chart, grouped_bar_chart, scale, step_chart, truncate

SVG = "{http://www.w3.org/2000/svg}"


def pct(value: float) -> str:
    return f"{value:.0%}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def test_bars_are_as_long_as_their_values_on_a_fixed_scale():
    svg = parse(bar_chart([("Nukus", 1.0), ("Xoʻjayli", 0.5), ("Amudaryo", 0.25)], title="Completion rate",
                          value_format=pct, max_value=1.0))
    widths = [float(r.get("width")) for r in bars(svg)]
    assert widths[0] > 0
    assert widths[1] == widths[0] / 2
    assert widths[2] == widths[0] / 4


def test_the_scale_fits_the_data_when_no_maximum_is_given():
    svg = parse(bar_chart([("Session 1", 3), ("Session 2", 7)], title="Dropouts", value_format=str))
    widths = [float(r.get("width")) for r in bars(svg)]
    assert round(widths[0] / widths[1], 3) == round(3 / 7, 3)
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert ticks == ["0.0", "2.0", "4.0", "6.0", "8.0"]  # whole numbers: no tick between two counts


def test_scale_steps_are_round_and_counts_get_whole_steps():
    assert scale(7) == (8, [0, 2, 4, 6, 8])
    assert scale(1, whole=True) == (1, [0, 1])
    assert scale(0.8) == (0.8, [0, 0.2, 0.4, 0.6, 0.8])
    assert scale(0) == (1.0, [0.0])


def test_a_value_above_a_fixed_maximum_stops_at_the_end_of_the_scale():
    svg = parse(bar_chart([("a", 2.0), ("b", 1.0)], title="t", value_format=pct, max_value=1.0))
    widths = [float(r.get("width")) for r in bars(svg)]
    assert widths[0] == widths[1]


def test_a_missing_value_is_an_empty_slot_labelled_with_a_dash():
    svg = parse(bar_chart([("Nukus, group 1", 0.8), ("Small group", None)], title="Attendance", value_format=pct,
                          max_value=1.0))
    assert len(bars(svg)) == 1
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "—" in texts
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert "Small group: —" in titles
    assert "Small group: —" in svg.find(f"{SVG}desc").text


def test_a_chart_whose_every_figure_is_hidden_is_not_drawn_but_says_why():
    why = "Every figure is hidden under the small-cell rule."
    for markup in (bar_chart([("a", None), ("b", None)], title="t", value_format=pct, all_hidden=why),
                   grouped_bar_chart([("a", [None, None])], series=["x", "y"], title="t", value_format=pct,
                                     all_hidden=why),
                   bar_chart([], title="t", value_format=pct, all_hidden=why)):
        assert "<svg" not in markup
        assert parse(markup).text == why


def test_drawn_for_a_phone_each_name_on_its_own_line_above_its_bars():
    svg = parse(grouped_bar_chart([("Nukus, group 1", [0.6, 0.4]), ("Kegeyli, group 2", [0.3, 0.2])],
                                  series=["Completion rate", "Dropout rate"], title="Rates", value_format=pct,
                                  max_value=1.0))
    assert svg.get("viewBox").split()[2] == "320" and svg.get("width") == "320"
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert [t.text for t in labels] == ["Nukus, group 1", "Kegeyli, group 2"]
    rects = bars(svg)
    assert float(labels[0].get("y")) < float(rects[0].get("y")) < float(rects[1].get("y")) < float(labels[1].get("y"))
    for rect in rects:  # the bar and its figure within the drawing
        assert float(rect.get("x")) + float(rect.get("width")) + 4 + 5 * 6.6 <= 320


def test_text_is_escaped_and_uzbek_letters_kept():
    label = "Guruh <1> & \"Oʻgʻil\" Qoʻqonʼ"
    markup = str(bar_chart([(label, 0.5)], title="<b>Rate</b>", value_format=pct, max_value=1.0))
    assert "<1>" not in markup and "<b>" not in markup
    svg = parse(markup)  # well-formed despite the markup characters in the label
    assert svg.find(f"{SVG}title").text == "<b>Rate</b>"
    bar_title = bars(svg)[0].find(f"{SVG}title").text
    assert bar_title == f"{label}: 50%"
    assert "Oʻgʻil" in markup and "Qoʻqonʼ" in markup


def test_the_chart_is_an_image_with_a_title_and_a_description_that_reads_every_figure():
    svg = parse(bar_chart([("Nukus", 0.75), ("Kegeyli", 0.5)], title="Completion rate", value_format=pct,
                          max_value=1.0, description="Share of men who completed.", chart_id="c1"))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").get("id") == "c1-title"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "c1-desc"
    assert desc.text == "Share of men who completed. Nukus: 75%; Kegeyli: 50%."
    assert all(r.find(f"{SVG}title") is not None for r in bars(svg))


def test_no_inline_style_script_or_outside_resource():
    markup = str(grouped_bar_chart([("a", [0.5, 0.2])], series=["Completion", "Dropout"], title="t",
                                   value_format=pct, max_value=1.0))
    assert "style=" not in markup
    assert "<script" not in markup
    assert "href" not in markup
    assert "http://www.w3.org/2000/svg" in markup and "http" not in markup.replace("http://www.w3.org/2000/svg", "")


def test_a_long_label_is_cut_on_the_chart_and_whole_in_the_bar_title():
    label = "Statutory correction programme (Qoraqalpogʻiston Respublikasi) v3"
    svg = parse(bar_chart([(label, 0.5)], title="t", value_format=pct, max_value=1.0))
    shown = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "label"]
    assert shown[0].endswith("…") and len(shown[0]) < len(label)
    assert bars(svg)[0].find(f"{SVG}title").text == f"{label}: 50%"


def test_truncate_keeps_short_text_and_cuts_at_a_word():
    assert truncate("Nukus", 10) == "Nukus"
    assert truncate("Nukus, group 1 of the autumn", 16) == "Nukus, group 1…"
    assert len(truncate("x" * 50, 10)) == 10


def test_two_series_draw_two_bars_per_group_with_a_legend():
    svg = parse(grouped_bar_chart([("Nukus", [0.6, 0.4]), ("Kegeyli", [None, 0.1])],
                                  series=["Completion rate", "Dropout rate"], title="Rates", value_format=pct,
                                  max_value=1.0))
    classes = [r.get("class") for r in bars(svg)]
    assert classes == ["bar", "bar alt", "bar alt"]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Completion rate" in texts and "Dropout rate" in texts
    assert "Kegeyli — Completion rate: —" in [t.text for t in svg.iter(f"{SVG}title")]
    assert "Kegeyli: Completion rate —, Dropout rate 10%" in svg.find(f"{SVG}desc").text


def test_a_survival_curve_steps_down_at_each_day_and_reads_every_step():
    svg = str(step_chart([(30, 0.9), (90, 0.75), (200, 0.6)], title="Without a new order",
                         value_format=lambda v: f"{v:.0%}", day_format=lambda d: f"{d:g} d", chart_id="curve"))
    root = ET.fromstring(svg)
    path = next(e for e in root.iter() if e.tag.endswith("path"))
    moves = re.findall(r"[MHV][0-9.,]+", path.get("d"))
    assert moves[0].startswith("M") and [m[0] for m in moves[1:]] == ["H", "V"] * 3  # level, then down, per step
    ys = [float(m[1:]) for m in moves if m[0] == "V"]
    assert ys == sorted(ys)  # the share only falls: lower on the chart each step
    desc = next(e for e in root.iter() if e.tag.endswith("desc")).text
    assert desc == "30 d: 90%; 90 d: 75%; 200 d: 60%."
    assert 'style=' not in svg and "<script" not in svg


def test_a_curve_with_no_step_is_not_drawn_but_says_why():
    assert str(step_chart([], title="t", value_format=str, day_format=str, chart_id="c", none_text="Too few men.")) == (
        '<p class="chart-none" id="c">Too few men.</p>')
