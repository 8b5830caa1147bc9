"""A forgiving HTML tree and a small CSS-selector subset, enough to point at links on portal pages.

Government CMS pages are old and often malformed (unclosed <li>, stray </div>), so the tree builder never
raises: unknown end tags are ignored and an end tag closes every element opened after its match. Supported
selectors: `tag`, `.class`, `#id`, `[attr]`, `[attr=v]`, `[attr*=v]`, `[attr^=v]`, `[attr$=v]`, compounds of
those (`a.pdf[href$=".pdf"]`), the descendant (space) and child (`>`) combinators, and `,` for alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
#: A new start tag (key) implicitly closes an open element of these tags, if one is open inside the current scope.
_AUTO_CLOSE = {
    "li": {"li"},
    "a": {"a"},
    "p": {"p"},
    "div": {"p"},
    "ul": {"p"},
    "ol": {"p"},
    "table": {"p"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "option": {"option"},
}
#: Elements an implicit close never reaches past.
_SCOPE = frozenset({"ul", "ol", "table", "div", "body", "html", "td", "th", "#document"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """All text below this element, whitespace collapsed."""
        parts: list[str] = []
        stack: list[Element | str] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
            elif node.tag not in ("script", "style"):
                stack.extend(reversed(node.children))
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        stack: list[Element] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed([c for c in node.children if isinstance(c, Element)]))

    def select(self, selector: str) -> list[Element]:
        """Elements below this one matching the CSS-like `selector`, in document order, without duplicates."""
        groups = [parse_selector(s) for s in selector.split(",") if s.strip()]
        return [el for el in self.iter() if el is not self and any(_matches(el, g) for g in groups)]

    def script_text(self) -> str:
        """The concatenated contents of every <script> element (TRS pagination and gkmlpt config live there)."""
        return "\n".join(
            c for el in self.iter() if el.tag == "script" for c in el.children if isinstance(c, str)
        )


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack: list[Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = _AUTO_CLOSE.get(tag)
        if closes:
            for i in range(len(self.stack) - 1, 0, -1):
                open_tag = self.stack[i].tag
                if open_tag in closes:
                    del self.stack[i:]
                    break
                if open_tag in _SCOPE:
                    break
        el = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(el)
        if tag not in VOID_TAGS:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(el)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    """Parse HTML text into an Element tree rooted at a `#document` element; never raises on bad markup."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode page bytes: charset from the Content-Type header, else a <meta charset>, else UTF-8, else GB18030."""
    candidates: list[str] = []
    if content_type:
        m = re.search(r"charset=([\w-]+)", content_type, re.I)
        if m:
            candidates.append(m.group(1))
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode("gb18030" if enc.lower() in ("gb2312", "gbk") else enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class Link:
    url: str  # absolute
    text: str
    element: Element = field(compare=False, repr=False)


def links(root: Element, base_url: str, selector: str | None = None) -> list[Link]:
    """Absolute links (`<a href>`) under `root`, optionally only those matching `selector`; <base href> honoured."""
    base_el = next((el for el in root.iter() if el.tag == "base" and el.attrs.get("href")), None)
    base = urljoin(base_url, base_el.attrs["href"]) if base_el else base_url
    found = root.select(selector) if selector else [el for el in root.iter() if el.tag == "a"]
    out: list[Link] = []
    for el in found:
        anchor = el if el.tag == "a" else next((a for a in el.iter() if a.tag == "a"), None)
        if anchor is None:
            continue
        href = anchor.attrs.get("href", "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        text = anchor.text() or anchor.attrs.get("title", "")
        out.append(Link(urljoin(base, href).split("#", 1)[0], text, anchor))
    return out


# -- selectors ------------------------------------------------------------------------------------------------

_SIMPLE = re.compile(
    r"""(?P<tag>[a-zA-Z][\w-]*|\*)
      |\.(?P<cls>[\w-]+)
      |\#(?P<id>[\w-]+)
      |\[\s*(?P<attr>[\w-]+)\s*(?:(?P<op>[*^$]?=)\s*(?P<val>"[^"]*"|'[^']*'|[^\]\s]+)\s*)?\]""",
    re.X,
)


@dataclass(frozen=True)
class _Compound:
    tag: str | None
    classes: tuple[str, ...]
    id: str | None
    attrs: tuple[tuple[str, str | None, str | None], ...]


def _parse_compound(text: str) -> _Compound:
    tag = None
    classes: list[str] = []
    ident = None
    attrs: list[tuple[str, str | None, str | None]] = []
    pos = 0
    while pos < len(text):
        m = _SIMPLE.match(text, pos)
        if not m:
            raise ValueError(f"unsupported selector syntax at {text[pos:]!r}")
        if m.group("tag"):
            tag = None if m.group("tag") == "*" else m.group("tag").lower()
        elif m.group("cls"):
            classes.append(m.group("cls"))
        elif m.group("id"):
            ident = m.group("id")
        else:
            val = m.group("val")
            if val and val[0] in "\"'":
                val = val[1:-1]
            attrs.append((m.group("attr").lower(), m.group("op"), val))
        pos = m.end()
    return _Compound(tag, tuple(classes), ident, tuple(attrs))


def parse_selector(selector: str) -> list[tuple[str, _Compound]]:
    """A selector as [(combinator, compound)], combinator ' ' or '>' relating each compound to the previous."""
    tokens = re.findall(r">|[^\s>]+", selector.strip())
    out: list[tuple[str, _Compound]] = []
    comb = " "
    for tok in tokens:
        if tok == ">":
            comb = ">"
            continue
        out.append((comb, _parse_compound(tok)))
        comb = " "
    if not out:
        raise ValueError(f"empty selector {selector!r}")
    return out


def _match_compound(el: Element, c: _Compound) -> bool:
    if c.tag and el.tag != c.tag:
        return False
    if c.id and el.attrs.get("id") != c.id:
        return False
    if c.classes and not set(c.classes) <= el.classes:
        return False
    for name, op, val in c.attrs:
        have = el.attrs.get(name)
        if have is None:
            return False
        if op == "=" and have != val:
            return False
        if op == "*=" and (val or "") not in have:
            return False
        if op == "^=" and not have.startswith(val or ""):
            return False
        if op == "$=" and not have.endswith(val or ""):
            return False
    return True


def _matches(el: Element, parts: list[tuple[str, _Compound]]) -> bool:
    """Right-to-left match of a compound chain, backtracking over ancestors for descendant combinators."""
    comb, last = parts[-1]
    if not _match_compound(el, last):
        return False
    if len(parts) == 1:
        return True
    rest = parts[:-1]
    node = el.parent
    if comb == ">":
        return node is not None and node.tag != "#document" and _matches(node, rest)
    while node is not None and node.tag != "#document":
        if _matches(node, rest):
            return True
        node = node.parent
    return False
