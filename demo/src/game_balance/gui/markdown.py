"""A small markdown → HTML renderer for the agents' answers (no dependency).

It covers what the agents write: ``#``–``######`` headings, paragraphs, ``-``/``*`` bullet
lists, ``1.`` numbered lists, pipe tables (the line after the header is ``| --- |``),
``**bold**``, ``*italic*``, `` `code` `` and hard line breaks inside list items. Every piece
of text is HTML-escaped first, so an answer can never inject markup into the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")


def render_markdown(text: str) -> str:
    """The HTML of markdown ``text`` (block elements, no surrounding wrapper)."""
    return "\n".join(_blocks(text.replace("\r\n", "\n").split("\n")))


def inline(text: str) -> str:
    """Escape ``text`` and apply the inline markup (code, bold, italic)."""
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        code, bold, italic = match.groups()
        if code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif bold is not None:
            out.append(f"<strong>{inline(bold)}</strong>")
        else:
            out.append(f"<em>{inline(italic)}</em>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _blocks(lines: Sequence[str]) -> Iterator[str]:
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif heading := _HEADING.match(line):
            level = len(heading.group(1))
            yield f"<h{level}>{inline(heading.group(2).strip())}</h{level}>"
            index += 1
        elif _is_table(lines, index):
            end = _run(lines, index + 2, lambda s: s.strip().startswith("|"))
            yield _table(lines[index], lines[index + 2 : end])
            index = end
        elif _BULLET.match(line) or _NUMBERED.match(line):
            end = _run(lines, index, lambda s: bool(_BULLET.match(s) or _NUMBERED.match(s)))
            yield _list(lines[index:end])
            index = end
        else:
            end = _run(lines, index + 1, _is_paragraph_line)  # the first line always belongs
            body = "<br>".join(inline(p.strip()) for p in lines[index:end])
            yield f"<p>{body}</p>"
            index = end


def _run(lines: Sequence[str], start: int, keep: Callable[[str], bool]) -> int:
    """The index of the first line from ``start`` on for which ``keep(line)`` is false."""
    end = start
    while end < len(lines) and keep(lines[end]):
        end += 1
    return end


def _is_paragraph_line(line: str) -> bool:
    return bool(
        line.strip()
        and not _HEADING.match(line)
        and not _BULLET.match(line)
        and not _NUMBERED.match(line)
        and not line.strip().startswith("|")
    )


def _is_table(lines: Sequence[str], index: int) -> bool:
    return (
        lines[index].strip().startswith("|")
        and index + 1 < len(lines)
        and bool(_TABLE_RULE.match(lines[index + 1]))
    )


def _cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in inner.split("|")]


def _table(header: str, rows: Sequence[str]) -> str:
    head = "".join(f"<th>{inline(cell)}</th>" for cell in _cells(header))
    body = "".join(
        "<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in _cells(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(lines: Sequence[str]) -> str:
    numbered = bool(_NUMBERED.match(lines[0]))
    tag = "ol" if numbered else "ul"
    start = ""
    if numbered and (first := _NUMBERED.match(lines[0])) and first.group(1) != "1":
        start = f' start="{int(first.group(1))}"'
    items = []
    for line in lines:
        match = _NUMBERED.match(line) or _BULLET.match(line)
        assert match is not None
        items.append(f"<li>{inline(match.groups()[-1].strip())}</li>")
    return f"<{tag}{start}>{''.join(items)}</{tag}>"
