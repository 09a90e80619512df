"""A plan's prose as an outline: headings and list items nested by their markers.

Helpers for ``tasks.duties.extract``. Plans extracted to text lose their indentation, so nesting is
read from the item markers alone, by rank:

    rank 1  Roman           "III. NHIỆM VỤ, GIẢI PHÁP", "IV- TỔ CHỨC THỰC HIỆN"
            article         "Điều 2. Tổ chức thực hiện" (a resolution's or decision's articles; label "Đ2")
    rank 2  number          "8. Tăng cường ...", "2) ..."
    rank 3+ decimal number  "8.1. Tạo đột phá ..." (one rank deeper per dot: "8.1.2" is rank 4)
    rank 10 letter          "a) Sở Kế hoạch và Đầu tư: ...", "đ)", "ê)"
    rank 11 bullet          "- ...", "– ...", "• ..."
    rank 12 plus            "+ ..."

An item is the child of the nearest open item of a lower rank; a plain paragraph continues
the innermost open item (its ``body``). Whole-paragraph notes "(Chi tiết ... kèm theo)" are
dropped. The outline ends at the closing of the document: a paragraph "Trên đây là ...",
"Nơi nhận", a signature line ("TM. ...", "KT. ...", "| ... |"), or after a paragraph ending
with "/." (the mark that closes the body of a Vietnamese administrative text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ARTICLE", "Node", "assign_refs", "parse_outline", "sections_titled"]

ROMAN, ARTICLE, NUMBER, LETTER, BULLET, PLUS = "roman", "article", "number", "letter", "bullet", "plus"
_RANK = {ROMAN: 1, ARTICLE: 1, NUMBER: 2, LETTER: 10, BULLET: 11, PLUS: 12}

_ROMAN_RE = re.compile(r"^(?P<label>[IVX]{1,5})\s*(?P<sep>[.\-–])\s*(?P<text>\S.*)$", re.S)
_ARTICLE_RE = re.compile(r"^(?P<label>Điều\s+\d{1,3})\s*(?P<sep>[.:])\s*(?P<text>\S.*)$", re.S)
_DECIMAL_RE = re.compile(r"^(?P<label>\d{1,2}(?:\.\d{1,2})+)(?P<sep>\.?)\s+(?P<text>\S.*)$", re.S)
_NUMBER_RE = re.compile(r"^(?P<label>\d{1,2})(?P<sep>[.)])\s*(?P<text>[^\W\d].*)$", re.S)
_LETTER_RE = re.compile(r"^(?P<label>[a-zđêôơư])(?P<sep>\))\s*(?P<text>.*)$", re.S)
_BULLET_RE = re.compile(r"^(?P<label>[-–—•])(?P<sep>)\s*(?P<text>.*)$", re.S)
_PLUS_RE = re.compile(r"^(?P<label>\+)(?P<sep>)\s*(?P<text>.*)$", re.S)
_MARKERS = [(ROMAN, _ROMAN_RE), (ARTICLE, _ARTICLE_RE), ("decimal", _DECIMAL_RE), (NUMBER, _NUMBER_RE),
            (LETTER, _LETTER_RE), (BULLET, _BULLET_RE), (PLUS, _PLUS_RE)]

_NOTE_RE = re.compile(r"^\(.*\)\.?$", re.S)
_END_RE = re.compile(r"^\W*(?:trên đây là|nơi nhận|tm\s*\.|t/m\b|kt\s*\.|kt\s+chủ tịch)", re.IGNORECASE)


@dataclass
class Node:
    """One heading or list item, with the paragraphs that continue it and the items under it."""

    kind: str  # "root", ROMAN, ARTICLE, NUMBER (decimal numbers too), LETTER, BULLET, PLUS
    label: str  # "III", "Đ2", "8", "8.1", "b", "-" / "+"
    marker: str  # the marker as written: "III.", "8.1.", "b)", "-"
    text: str  # the item's own paragraph, marker removed
    source: str  # that paragraph verbatim
    rank: int
    index: int = 0  # position in the paragraph list given to parse_outline
    body: list[str] = field(default_factory=list)  # plain paragraphs that continue it, verbatim
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    @property
    def is_list_item(self) -> bool:
        return self.kind in (BULLET, PLUS)

    def ancestors(self) -> list[Node]:
        """From the outermost heading down to the parent (the root excluded)."""
        chain: list[Node] = []
        node = self.parent
        while node is not None and node.kind != "root":
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def walk(self) -> list[Node]:
        """This node and every node under it, in document order."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


def classify(paragraph: str) -> tuple[str, str, str, str, int] | None:
    """(kind, label, marker, text, rank) for an item paragraph, None for plain text."""
    for kind, pattern in _MARKERS:
        m = pattern.match(paragraph)
        if not m:
            continue
        label, text = m["label"], m["text"].strip()
        marker = label + m["sep"]
        if kind == "decimal":
            return NUMBER, label, marker, text, _RANK[NUMBER] + label.count(".")
        if kind in (BULLET, PLUS) and not text:
            return None  # a lone dash is a separator, not an item
        if kind == ARTICLE:
            label = "Đ" + label.split()[-1]  # "Điều 2" -> "Đ2": refs without spaces ("T.Đ2.1")
        return kind, label, marker, text, _RANK[kind]
    return None


def parse_outline(paragraphs: list[str]) -> Node:
    """Nest the paragraphs into an outline (see the module docstring). Never raises on text."""
    root = Node("root", "", "", "", "", 0, -1)
    stack = [root]
    for index, raw in enumerate(paragraphs):
        if not isinstance(raw, str):
            continue
        paragraph = " ".join(raw.split())
        if not paragraph:
            continue
        if _END_RE.match(paragraph) or paragraph.startswith("|"):
            break
        item = classify(paragraph)
        if item is None:
            if not _NOTE_RE.match(paragraph):
                stack[-1].body.append(raw.strip())
        else:
            kind, label, marker, text, rank = item
            while stack[-1].rank >= rank:
                stack.pop()
            node = Node(kind, label, marker, text, raw.strip(), rank, index, parent=stack[-1])
            stack[-1].children.append(node)
            stack.append(node)
        if paragraph.rstrip("* ").endswith("/."):
            break
    return root


def assign_refs(root: Node, prefix: str = "T.") -> dict[int, str]:
    """A ref for every node, keyed by ``id(node)``: the prefix plus the labels on its path.

    "T.III.8.1.b": a decimal label replaces its parent's number ("8.1", not "8.8.1"); bullets
    ("-", "+") are numbered from 1 among the list items beside them ("T.IV.1.3"). A ref met
    again (a repeated label) gets "~2", "~3", so refs are unique and the same for the same text.
    """
    refs: dict[int, str] = {}
    plain: dict[int, list[str]] = {id(root): []}  # the path's labels, without "~n"
    seen: dict[str, int] = {}
    for node in root.walk()[1:]:
        parent = node.parent if node.parent is not None else root
        parts = list(plain.get(id(parent), []))
        if node.is_list_item:
            siblings = [c for c in parent.children if c.is_list_item]
            label = str(next((i for i, c in enumerate(siblings, 1) if c is node), 1))
        else:
            label = node.label
        if parts and "." in label and label.startswith(parts[-1] + "."):
            parts[-1] = label
        else:
            parts.append(label)
        plain[id(node)] = parts
        ref = prefix + ".".join(parts)
        seen[ref] = seen.get(ref, 0) + 1
        refs[id(node)] = ref if seen[ref] == 1 else f"{ref}~{seen[ref]}"
    return refs


def sections_titled(root: Node, matches: Callable[[str], bool]) -> list[Node]:
    """The outermost Roman, article or numbered headings whose text ``matches`` (nested ones not repeated)."""
    found: list[Node] = []

    def visit(node: Node) -> None:
        for child in node.children:
            if child.kind in (ROMAN, ARTICLE, NUMBER) and matches(child.text):
                found.append(child)
            else:
                visit(child)

    visit(root)
    return found
