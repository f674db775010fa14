"""The GUI's markdown renderer: what the agents write, escaped."""

from __future__ import annotations

from game_balance.gui.markdown import inline, render_markdown


def test_headings_paragraphs_and_lists() -> None:
    html = render_markdown("# 7.3 패치\n\n## 요약\n\n- **a**\n- b\n\n1. one\n2. two\n\ntext\nmore")

    assert html.splitlines() == [
        "<h1>7.3 패치</h1>",
        "<h2>요약</h2>",
        "<ul><li><strong>a</strong></li><li>b</li></ul>",
        "<ol><li>one</li><li>two</li></ol>",
        "<p>text<br>more</p>",
    ]


def test_a_numbered_list_keeps_its_start() -> None:
    assert render_markdown("3. three\n4. four").startswith('<ol start="3">')


def test_pipe_table() -> None:
    html = render_markdown("| 매치업 | 승률 |\n| --- | ---: |\n| 저그 대 테란 | **56.1%** ⚠ |")

    assert html == (
        "<table><thead><tr><th>매치업</th><th>승률</th></tr></thead>"
        "<tbody><tr><td>저그 대 테란</td><td><strong>56.1%</strong> ⚠</td></tr></tbody></table>"
    )


def test_a_pipe_line_without_a_rule_is_a_paragraph() -> None:
    assert render_markdown("| not a table") == "<p>| not a table</p>"


def test_inline_markup() -> None:
    assert inline("`x*y*` and *it* and **b `c`**") == (
        "<code>x*y*</code> and <em>it</em> and <strong>b <code>c</code></strong>"
    )
    assert inline("2 * 3 * 4") == "2 * 3 * 4"


def test_everything_is_escaped() -> None:
    html = render_markdown('# <b>x</b>\n\n- <script>alert("x")</script>\n\n**<img src=x>**')

    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
