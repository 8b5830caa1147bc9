"""Numbers stated in the prose of a report (概况, 情况说明, self-assessment), each with what it is about.

The 情况说明 restates table figures (本年收入合计626.55万元，其中：财政拨款收入463.48万元，占73.97%) and the rules
check them against the tables, so every fact carries a clean `label` (the subject the number is attached to), the
percent's `base_label` when known, an increase/decrease `change` marker, the whole sentence and the page.

The text comes from the PDF's text layer, page by page: lines are re-joined into paragraphs (a paragraph wraps at
the page width, and a number or its unit may sit on the next line or page), table pages and table-like lines are
skipped, and the 名词解释 part is excluded. Numbers the text layer pulled out of their sentences (the sentence keeps
`万元`/`%` with no number; the numbers sit on a line of their own) are put back in order when the counts agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from juesuan.amounts import parse_amount
from juesuan.model import NarrativeFact, Problem, ProseParagraph

# ---- vocabulary of the prose -----------------------------------------------------------------------------

_CN = "一二三四五六七八九十"
_PART = re.compile(rf"^第([{_CN}]+)部分\s*(.*)$")
_LEVEL1 = re.compile(rf"^[{_CN}]+[、.．]")
_HEADING_START = re.compile(
    rf"^(?:第[{_CN}]+部分|[{_CN}]+[、.．]|[（(][{_CN}\d]+[）)]|\d+[、.．](?!\d)|[①-⑳])"
)
_ENUM_PREFIX = re.compile(rf"^(?:[{_CN}]+[、.．]|[（(][{_CN}\d]+[）)]|\d+[、.．](?!\d)|[①-⑳])\s*")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–]\s*\d{1,3}\s*[-—–]|\d{1,3}|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
)
_TOC_TITLE = re.compile(r"^目\s*录$|^目\s*次$")
_UNIT_HEADER = re.compile(r"(?:金额)?单位[：:]\s*(?:万元|元)")
_TERMINAL = "。！？!?；;：:"

_NUMBER = r"[-−－]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_AMOUNT_UNITS = ("万元", "亿元", "元")
_TOKEN = re.compile(
    r"(?P<cmp>[≥≤<>＞＜]|不低于|不高于|不超过|不少于|小于|大于|低于|高于|超过)?\s*"
    r"(?<![\d.,])(?P<num>" + _NUMBER + r")\s*"
    r"(?P<unit>万元|亿元|元|%|％|人次|人|名|辆|台（套）|台\(套\)|个)"
)
_THRESHOLD_AFTER = re.compile(r"\s*(?:（含）|\(含\))?\s*(?:以上|以下|以内|左右)")
# A "slot": a unit the text layer left without its number (…合计万元，其中…占%).
_SLOT = re.compile(r"(?<=[\u4e00-\u9fff])(万元|%|％)")
_ORPHAN_LINE = re.compile(r"^(?:" + _NUMBER + r"\s*[%％]?\s*)+$")
_TRAILING_NUMBERS = re.compile(r"(?:\s+" + _NUMBER + r"[%％]?)+\s*$")

# Page statistics: bare numbers (table cells) versus numbers followed by a unit or word (prose).
_ANY_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_PROSE_FOLLOW = re.compile(
    r"\s*(?:万元|亿元|元|%|％|人|名|辆|个|台|次|批|期|年|月|日|号|家|项|条|分|倍|余|多|天|小时|平方米|户|套|位|所|场|篇|、|[.．](?!\d))"
)

_CHANGE_VERB = re.compile(r"(增加|减少|增长|下降|降低|上升|提高|节约|减|增)了?$")
_INCREASE = ("增加", "增长", "上升", "提高", "增")
_COMPARISON = re.compile(
    r"(?:与|较|比|同比)\s*(?P<base>上年度?|去年|上一年度?|\d{4}\s*年度?|年初预算数?|预算数?|上年决算数?)"
    r"\s*(?P<tail>决算数|决算|同期)?\s*(?:相比|比较)?"
)
_COMPLETION = re.compile(r"(?:完成|执行|达到)(?P<base>(?:年初|全年)?预算(?:数)?)的?$")
_SHARE = re.compile(r"^(?P<before>.*?)占(?P<base>.*?)$")
_YEAR_PREFIX = re.compile(r"^.*(?:\d{4}\s*年度?|截至.*?日|截止.*?日)")
_SUBJECT = re.compile(
    r"(?P<cls>[^，。；：:（）()、]+?)[（(]类[）)](?P<kuan>[^，。；：:]*?)[（(]款[）)](?P<xiang>[^，。；：:]*?)[（(]项[）)]"
)
_SUBJECT_KX = re.compile(r"(?P<kuan>[^，。；：:、]+?)[（(]款[）)](?P<xiang>[^，。；：:]*?)[（(]项[）)]")
_LEADING_FILLERS = re.compile(
    r"^(?:其中|主要包括|包括|主要用于以下方面|主要用于|按功能分类支出划分为|按经济分类划分为|分别为|分别是|主要是|"
    r"本单位|本部门|我单位|本中心|我中心|本局|我局|本级|全年共|全年|共有|现有|共计|合计为|以上|以下|开支|共|为|是|的)+"
)
_TRAILING_FILLERS = re.compile(r"(?:为|是|达到|达|约|共计|累计|共|各|的|均|分别|总额为)+$")
#: Labels that only say which figure (决算/预算) and need the sentence's topic (公务接待费支出预算为6万元，支出决算为…).
_GENERIC = re.compile(r"^(?:支出)?(?:年初)?(?:决算|预算)(?:数)?$")
_TOPIC_TAIL = re.compile(r"(?:年初)?(?:决算|预算)(?:数)?$")
_SELF_NAMES = ("本单位", "本部门", "我单位", "本中心", "我中心", "本局", "我局")

_HEADCOUNT_AUTHORIZED = re.compile(r"编制(?:人数|数|总数)\s*(?:为|共|是|[：:])?\s*(\d+)\s*[人名]")
_HEADCOUNT_AUTHORIZED_LOOSE = re.compile(
    r"(?:核定|机关事业|行政|事业|参公|工勤)?编制\s*(?:为|共|是|[：:])?\s*(\d+)\s*[人名]"
)
_HEADCOUNT_ACTUAL = re.compile(r"实有(?:人数|人员)?\s*(?:为|共|是|[：:])?\s*(\d+)\s*[人名]")

Section = str  # overview | tables | explanation | performance | glossary | annex | other


@dataclass
class NarrativeExtract:
    """What the prose states: facts in reading order, the headcount, and problems met on the way."""

    facts: list[NarrativeFact] = field(default_factory=list)
    paragraphs: list[ProseParagraph] = field(default_factory=list)  # the prose as printed, headings included
    headcount_authorized: int | None = None  # 编制人数
    headcount_actual: int | None = None  # 实有人数
    problems: list[Problem] = field(default_factory=list)

    def find(self, label: str, kind: str | None = None) -> list[NarrativeFact]:
        """Facts whose label is `label` (and kind, if given), in reading order."""
        return [f for f in self.facts if f.label == label and (kind is None or f.kind == kind)]


# ---- pages and lines ---------------------------------------------------------------------------------------


@dataclass
class _Line:
    page: int
    text: str
    blank_before: bool
    width: int


@dataclass
class _Paragraph:
    pieces: list[tuple[int, str]] = field(default_factory=list)  # (page, text)

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.pieces)

    def page_at(self, offset: int) -> int:
        pos = 0
        for page, text in self.pieces:
            pos += len(text)
            if offset < pos:
                return page
        return self.pieces[-1][0]


def classify_page(text: str) -> str:
    """`blank`, `toc` (目录), `table` (a printed table: unit header or mostly bare numbers) or `prose`."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "blank"
    head = [ln for ln in lines[:4] if not _PAGE_NUMBER.match(ln)]
    if any(_TOC_TITLE.match(ln) for ln in head[:2]):
        return "toc"
    if any(_UNIT_HEADER.search(ln) for ln in lines[:8]):
        return "table"
    # units left without their number (detached numbers, see _reattach_detached) count as prose
    bare, prose = 0, sum(1 for ln in lines for m in _SLOT.finditer(ln) if not _slot_is_heading(ln, m))
    for m in _ANY_NUMBER.finditer(text):
        if _PROSE_FOLLOW.match(text, m.end()):
            prose += 1
        else:
            bare += 1
    if bare >= 5 and bare > prose:
        return "table"
    return "prose"


def _is_tableish(line: str) -> bool:
    """A row of an embedded table: tabs between values, or several bare numbers and no sentence punctuation."""
    if "\t" in line and re.search(r"\d", line):
        return True
    if re.search(r"[，。；]", line):
        return False
    numbers = _ANY_NUMBER.findall(line)
    return len(numbers) >= 2 and bool(re.search(r"\d[%％]?\s+[-−]?\d", line))


def _page_lines(page_texts: list[str]) -> tuple[list[_Line], list[Problem]]:
    """Prose lines of all non-table pages, with detached numbers put back into their sentences."""
    multi = len(page_texts) > 1
    out: list[_Line] = []
    problems: list[Problem] = []
    headers = _running_headers(page_texts) if multi else set()
    for index, raw in enumerate(page_texts):
        page = index + 1
        kind = classify_page(raw)
        lines = [ln.strip() for ln in raw.replace("\r", "").split("\n")]
        # A single "page" is a text rendering of a whole report: its tables are recognised line by line.
        if kind == "blank" or (multi and kind == "toc"):
            continue
        nonblank = [i for i, ln in enumerate(lines) if ln]
        for i in (nonblank[:1] + nonblank[-1:]) if multi else []:
            if _PAGE_NUMBER.match(lines[i]):
                lines[i] = ""  # printed page number (15 / - 19 - / 第 3 页), before bullets are stripped
        for i in nonblank[:2] + nonblank[-2:]:
            if lines[i] in headers:
                lines[i] = ""  # a running header (部门名称+年度部门决算 on every page), not prose
        lines = [re.sub(r"^[-•·]\s+", "", ln) for ln in lines]
        if multi and kind == "table":
            start = _prose_part_start(lines)
            if start is None:
                continue
            lines = lines[start:]  # the last table ends and the next (prose) part starts on this page
        lengths = sorted(len(ln) for ln in lines if ln)
        width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
        lines = _reattach_detached(lines, page, problems)
        blank = True
        for ln in lines:
            if not ln:
                blank = True
                continue
            if _ORPHAN_LINE.match(ln) or _is_tableish(ln):
                blank = True  # a table row or stray numbers interrupt the prose
                continue
            out.append(_Line(page=page, text=ln, blank_before=blank, width=max(width, 10)))
            blank = False
    return out, problems


def _running_headers(page_texts: list[str]) -> set[str]:
    """A line printed at the top or bottom (first or last two lines of the text layer) of at least three pages and
    a third of them: the running header, which would otherwise be read into the sentence a page break cuts
    (比上年决算<header>数 46.61 万元)."""
    seen: dict[str, int] = {}
    for raw in page_texts:
        lines = [ln.strip() for ln in raw.split("\n") if ln.strip()]
        for text in set(lines[:2] + lines[-2:]):
            if not _PAGE_NUMBER.match(text) and len(text) >= 6:
                seen[text] = seen.get(text, 0) + 1
    return {t for t, k in seen.items() if k >= 3 and k * 3 >= len(page_texts)}


def _prose_part_start(lines: list[str]) -> int | None:
    """Index of a 第X部分 heading of a prose part (情况说明, 名词解释, …) on a table page, if any."""
    for i, ln in enumerate(lines):
        m = _PART.match(re.sub(r"\s+", "", ln))
        if m:
            title = m.group(2) + "".join(re.sub(r"\s+", "", x) for x in lines[i + 1 : i + 3])[:20]
            if _part_kind(title) != "tables":
                return i
    return None


def _reattach_detached(lines: list[str], page: int, problems: list[Problem]) -> list[str]:
    """Put numbers the text layer moved out of their sentences back into the empty slots, in reading order."""
    slots = [(i, m) for i, ln in enumerate(lines) for m in _SLOT.finditer(ln) if not _slot_is_heading(ln, m)]
    if not slots:
        return lines
    numbers: list[tuple[int, str]] = []  # (line index, number text) in reading order
    trailing: dict[int, int] = {}  # line index -> start of its trailing number run
    for i, ln in enumerate(lines):
        if not ln:
            continue
        if _ORPHAN_LINE.match(ln):
            numbers += [(i, n) for n in re.findall(_NUMBER + r"[%％]?", ln)]
        elif (m := _TRAILING_NUMBERS.search(ln)) and any(si == i for si, _ in slots):
            trailing[i] = m.start()
            numbers += [(i, n) for n in re.findall(_NUMBER + r"[%％]?", m.group(0))]
    if len(numbers) != len(slots):
        problems.append(
            Problem(
                code="narrative_detached_numbers",
                message=(
                    f"page {page}: {len(slots)} amounts/percentages in the prose have no number in the text layer"
                    f" and {len(numbers)} stray numbers were found; those amounts were not extracted"
                ),
                page=page,
                severity="warning",
            )
        )
        return lines
    new = list(lines)
    fills: dict[int, list[tuple[int, str]]] = {}
    for (i, m), (_, num) in zip(slots, numbers, strict=True):
        fills.setdefault(i, []).append((m.start(), num.rstrip("%％")))
    for i, ln in enumerate(lines):
        if i in trailing:
            ln = ln[: trailing[i]]
        for start, num in sorted(fills.get(i, []), reverse=True):
            ln = ln[:start] + num + ln[start:]
        new[i] = "" if _ORPHAN_LINE.match(lines[i] or "x") and i not in fills else ln
    problems.append(
        Problem(
            code="narrative_detached_numbers",
            message=f"page {page}: {len(slots)} numbers were detached from their sentences in the text layer; "
            "put back in reading order",
            page=page,
            severity="info",
        )
    )
    return new


def _slot_is_heading(line: str, m: re.Match[str]) -> bool:
    """单位：万元 / 金额单位为万元 / 以万元为单位 / 数百万元 are captions or words, not amounts missing their number."""
    before = line[max(0, m.start() - 3) : m.start()]
    after = line[m.end() : m.end() + 3]
    return (
        before.endswith(("单位", "位为", "单位是", "以", "按"))
        or before[-1:] in ("百", "千", "十", "几", "数", "余", "多", "亿")
        or after.startswith(("为单位", "计"))
    )


# ---- paragraphs -------------------------------------------------------------------------------------------


def _heading_like(text: str, width: int) -> bool:
    return bool(_HEADING_START.match(text)) and len(text) <= max(width * 0.8, 12) and "。" not in text[:-1]


def _unfinished_subject(text: str) -> bool:
    """一般公共服务（类）…（款）一般行 / 政管理事务（项）: an item heading cut by a line or page break continues (also
    one that names no 类: 人大事务（款）一般行政管理事务 / （项）)."""
    return bool(re.search(r"[（(][类款][）)]", text)) and not re.search(r"[（(]项[）)]", text)


def _paragraphs(lines: list[_Line]) -> list[_Paragraph]:
    """Re-join wrapped lines: a paragraph ends at a short line with closing punctuation, or before a heading."""
    paras: list[_Paragraph] = []
    current: _Paragraph | None = None
    prev: _Line | None = None
    for line in lines:
        start_new = current is None
        if prev is not None and current is not None:
            prev_text = prev.text
            ends_complete = prev_text.endswith(tuple(_TERMINAL)) or (
                _heading_like(current.text, prev.width) and not _unfinished_subject(current.text)
            )
            prev_short = len(prev_text) < 0.8 * prev.width
            part_boundary = bool(_PART.match(line.text) or _PART.match(prev_text))
            heading_next = bool(_HEADING_START.match(line.text)) and (
                ends_complete or prev_short or line.blank_before
            )
            start_new = part_boundary or heading_next or (ends_complete and (prev_short or line.blank_before))
        if start_new:
            current = _Paragraph()
            paras.append(current)
        assert current is not None
        current.pieces.append((line.page, line.text))
        prev = line
    return paras


# ---- sections ---------------------------------------------------------------------------------------------


def _part_kind(title: str) -> Section:
    t = re.sub(r"\s+", "", title)
    if "名词解释" in t:
        return "glossary"
    if "附件" in t or "绩效" in t:
        return "performance" if "绩效" in t else "annex"
    if "说明" in t or "情况" in t:
        return "explanation"
    if "表" in t:
        return "tables"
    if "概况" in t or "概述" in t:
        return "overview"
    return "other"


def _section(part: Section | None, heading: str | None) -> Section | None:
    if part in ("explanation", "annex", "other", None) and heading and "绩效" in heading:
        return "performance"
    return part


# ---- facts ------------------------------------------------------------------------------------------------


def _cut_region(region: str) -> str:
    """The words after the last clause boundary, keeping balanced brackets (因公出国（境）费) intact."""
    cut = 0
    depth_stack: list[int] = []
    for i, ch in enumerate(region):
        if ch in "（(":
            depth_stack.append(i)
        elif ch in "）)":
            if depth_stack:
                depth_stack.pop()
            else:
                cut = i + 1  # closes something before the region: a boundary
        elif ch in "，,；;：:。" and not depth_stack:
            cut = i + 1
        elif ch == "、" and not depth_stack and i == 0:
            cut = 1  # 62.37万元、奖金17.38万元: a list of figures; 收、支总计 is one subject
    if depth_stack:
        cut = max(cut, depth_stack[-1] + 1)  # inside an open bracket: (收入总计含…
    return region[cut:]


def _clean_label(text: str, department: str | None) -> str:
    s = re.sub(r"\s+", "", text)
    s = s.replace("“", "").replace("”", "").replace('"', "").replace("‘", "").replace("’", "")
    s = re.sub(r"[（(](?:类|款|项)[）)]", "", s)
    if department:
        s = s.replace(department, "")
    m = _YEAR_PREFIX.match(s)
    if m and m.end() < len(s):
        s = s[m.end() :]
    s = s.lstrip("，,：:；;、。 ")
    for _ in range(3):
        before = s
        s = _ENUM_PREFIX.sub("", s)
        s = _LEADING_FILLERS.sub("", s)
        s = s.lstrip("，,：:；;、。 ")
        if s == before:
            break
    for name in _SELF_NAMES:
        s = s.replace(name, "")
    # qualifiers in brackets (以合同签订为准, 含专用结余, 不含车辆) are not part of the subject; （境） / （室） are
    s = re.sub(r"[（(][^（）()]{3,}[）)]", "", s)
    if "含" in s and not s.startswith("含"):
        # 收入总计含使用非财政拨款结余 → the included part is what the number measures
        head, _, tail = s.rpartition("含")
        if tail and head:
            s = tail
    s = _TRAILING_FILLERS.sub("", s)
    s = s.replace("、", "")
    s = re.sub(r"(支出)\1+", r"\1", s)
    return s.strip("，,：:；;。 ")


@dataclass
class _Raw:
    fact: NarrativeFact
    own_label: str  # label before inheritance
    share: bool = False
    start: int = 0  # position in the sentence


def _facts_of_sentence(
    sentence: str,
    offset: int,
    para: _Paragraph,
    section: Section | None,
    heading: str | None,
    subject: str | None,
    carried_head: str | None,
    department: str | None,
) -> tuple[list[NarrativeFact], str | None]:
    """Facts of one sentence, and the sentence's head label (carried to the next sentence of the paragraph)."""
    out: list[_Raw] = []
    printed_sentence = re.sub(r"\s+", " ", sentence).strip()
    head: str | None = None
    prev_end = 0
    for m in _TOKEN.finditer(sentence):
        region_raw = sentence[prev_end : m.start("num")]
        if m.group("cmp"):
            region_raw = sentence[prev_end : m.start()]
        prev_end = m.end()
        threshold = _THRESHOLD_AFTER.match(sentence, m.end())
        if m.group("cmp") or threshold:
            prev_end = threshold.end() if threshold else prev_end
            continue  # a target or threshold (≥95%, 100万元以上), not a stated figure
        unit = m.group("unit")
        if unit == "个" and sentence.startswith("百分点", m.end()):
            continue  # 下降2个百分点: a difference of percentages, neither a count nor a share
        value = parse_amount(m.group("num"))  # _NUMBER is the printed-amount grammar: it always parses
        if unit in ("%", "％"):
            kind, unit_out = "percent", "%"
        elif unit in _AMOUNT_UNITS:
            kind, unit_out = "amount", unit
        else:
            if value != value.to_integral_value():
                continue
            kind, unit_out = "count", unit.replace("(", "（").replace(")", "）")
        text = m.group("num") + (unit if kind == "percent" else "")
        region_full = re.sub(r"\s+", "", region_raw)
        piece = _cut_region(region_full)

        change = None
        base = None
        share = False
        comparison = _COMPARISON.search(region_full)
        cm = _CHANGE_VERB.search(piece)
        if cm:
            change = "increase" if cm.group(1) in _INCREASE else "decrease"
            piece = piece[: cm.start()]
            if comparison:
                base = re.sub(r"\s+", "", comparison.group("base") + (comparison.group("tail") or ""))
        piece = _COMPARISON.sub("", piece)
        if kind == "percent" and change is None:
            comp = _COMPLETION.search(piece)
            sm = _SHARE.match(piece)
            if comp:
                base = comp.group("base")
                piece = piece[: comp.start()]
            elif sm:
                share = True
                b = re.sub(r"^(?:比|比重|比例)", "", sm.group("base"))
                b = re.sub(r"(?:的)?(?:比重|比例)?(?:为)?$", "", b)
                base = _clean_label(b, department) or None
                piece = sm.group("before")
        own = _clean_label(piece, department)
        if own and _GENERIC.match(own) and head and _TOPIC_TAIL.sub("", head):
            own = _TOPIC_TAIL.sub("", head) + own.removeprefix("支出")
        label = own
        if not label:
            label = _inherit(out, kind, change, head or carried_head)
        if share and base is None:
            base = _implicit_base(sentence[: m.start()], out, carried_head)
        elif base is not None and change is None:
            base = _resolve_base(base, out)
        fact = NarrativeFact(
            kind=kind,
            value=value,
            text=text,
            sentence=printed_sentence,
            page=para.page_at(offset + m.start("num")),
            unit=unit_out,
            label=label or None,
            section=section,
            heading=heading,
            base_label=base,
            change=change,
            subject=subject,
        )
        out.append(_Raw(fact=fact, own_label=own, share=share, start=m.start()))
        if head is None and kind == "amount" and own and change is None:
            head = own
    return [r.fact for r in out], head


def _inherit(previous: list[_Raw], kind: str, change: str | None, head: str | None) -> str:
    """The subject of a number printed without one (…，增加25.3万元，增长3.72%；…，占73.97%).

    A growth rate belongs to the change amount before it; a share or a change amount to the nearest amount
    before it in the sentence; with none, to the head of the sentence (or of the previous one).
    """
    if previous:
        last = previous[-1].fact
        if kind == "percent" and change is not None and last.change is not None and last.label:
            return last.label
    for r in reversed(previous):
        if r.fact.kind == "amount" and r.fact.change is None and r.fact.label:
            return r.fact.label
    return head or ""


def _resolve_base(base: str, previous: list[_Raw]) -> str:
    """占基本支出的27.05% / 完成预算的1.33%: name the base as the sentence's own amount does, when one does.

    (…财政拨款基本支出463.48万元，其中：人员经费125.38万元，占基本支出的27.05% → 财政拨款基本支出;
    “三公”经费财政拨款支出预算为6万元，…完成预算的1.33% → 三公经费财政拨款支出预算.)
    """
    labels = [
        r.fact.label for r in previous if r.fact.kind == "amount" and r.fact.change is None and r.fact.label
    ]
    if base in labels:
        return base
    matches = [label for label in dict.fromkeys(labels) if label.endswith(base)]
    return matches[-1] if len(matches) == 1 else base


def _implicit_base(before: str, previous: list[_Raw], carried_head: str | None) -> str | None:
    """占73.97% after 其中/主要用于/划分为: the share is of the total stated before that word.

    The total is the last labelled amount before the word, or (按经济分类划分为… in a new sentence) the head
    of the previous sentence.
    """
    keywords = list(re.finditer(r"其中|主要用于|划分为|主要包括", before))
    for keyword in reversed(keywords):
        head = next(
            (
                r
                for r in reversed(previous)
                if r.start < keyword.start()
                and r.fact.kind == "amount"
                and r.own_label
                and r.fact.change is None
            ),
            None,
        )
        if head is None:
            return carried_head
        # …89.40万元，占74.79%，其中：A…，B…；C…，占25.21%: a total that is itself a share only lists parts
        if any(r.share and r.start > head.start and r.fact.label == head.fact.label for r in previous):
            continue
        return head.own_label
    return None


def _split_sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start = 0
    for m in re.finditer(r"[。！？!?]", text):
        out.append((start, text[start : m.end()]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return [(o, s) for o, s in out if s.strip()]


def _subject_of(text: str) -> str | None:
    """`类|款|项` of an item that names its subject (X（类）Y（款）Z（项）, or Y（款）Z（项） with the class left out);
    "" when the sentence names a 款 or 项 in some other way: an item of its own, never the previous item's."""
    flat = re.sub(r"\s+", "", text)
    if "款" not in flat and "项" not in flat:
        return None  # none of the patterns below can match (and their lazy scans are quadratic)
    both = "款" in flat and "项" in flat
    m = _SUBJECT.search(flat) if both and "类" in flat else None
    if m:
        parts = [_ENUM_PREFIX.sub("", m.group("cls")), m.group("kuan"), m.group("xiang")]
        return "|".join(p.strip("，,：:。 ") for p in parts)
    m = _SUBJECT_KX.search(flat) if both else None
    if m:
        return "|".join(["", _ENUM_PREFIX.sub("", m.group("kuan")).strip("，,：:。 "), m.group("xiang")])
    if re.search(r"[（(][款项][）)]", flat):
        return ""
    return None


def _headcount(paragraph: str) -> tuple[int | None, int | None]:
    s = re.sub(r"\s+", "", paragraph)
    authorized = actual = None
    m = _HEADCOUNT_AUTHORIZED.search(s)
    if m:
        authorized = int(m.group(1))
    m = _HEADCOUNT_ACTUAL.search(s)
    if m:
        actual = int(m.group(1))
    return authorized, actual


def extract_narrative(page_texts: list[str], department: str | None = None) -> NarrativeExtract:
    """Every amount, percentage and count stated in the prose, with label, sentence and page; and the headcount.

    `page_texts` is one string per PDF page (a single string is treated as a whole text rendering). `department`
    is removed from labels (国家信访局共有车辆 → 车辆); when not given it is read from the cover / table headers.
    """
    if department is None:
        from juesuan.parsing.document import identify

        department = identify(page_texts).department or None
    lines, problems = _page_lines(page_texts)
    extract = NarrativeExtract(problems=problems)
    paras = _paragraphs(lines)
    part: Section | None = None
    heading: str | None = None
    subject: str | None = None
    loose_authorized: int | None = None
    for index, para in enumerate(paras):
        text = para.text
        flat = re.sub(r"\s+", "", text)
        m = _PART.match(flat)
        if m:
            title = m.group(2)
            look = index + 1
            while (
                look < len(paras)
                and look <= index + 2
                and (len(re.sub(r"\s+", "", title)) < 12 or len(paras[look].text.strip()) <= 6)
            ):
                title += re.sub(r"\s+", "", paras[look].text)[:30]
                look += 1
            part = _part_kind(title)
            heading = None
            subject = None
            extract.paragraphs.append(
                ProseParagraph(
                    text=f"第{m.group(1)}部分{title}",
                    page=para.pieces[0][0],
                    section=part,
                    is_heading=True,
                )
            )
            continue
        if _LEVEL1.match(flat) and _heading_like(flat, 60) and not _TOKEN.search(flat):
            heading = flat
            subject = None
            extract.paragraphs.append(
                ProseParagraph(text=flat, page=para.pieces[0][0], section=part, is_heading=True)
            )
            if "名词解释" in flat:
                part = "glossary"  # reports without 第X部分 headings number it like any other section
            continue
        section = _section(part, heading)
        if section in ("tables", "glossary"):
            continue
        extract.paragraphs.append(
            ProseParagraph(
                text=re.sub(r"\s+", " ", text).strip(),
                page=para.pieces[0][0],
                section=section,
                heading=heading,
            )
        )
        authorized, actual = _headcount(text)
        if authorized is not None and extract.headcount_authorized is None:
            extract.headcount_authorized = authorized
        if actual is not None and extract.headcount_actual is None:
            extract.headcount_actual = actual
        if extract.headcount_authorized is None and loose_authorized is None:
            lm = _HEADCOUNT_AUTHORIZED_LOOSE.search(flat)
            if lm:
                loose_authorized = int(lm.group(1))
        carried: str | None = None
        for offset, sentence in _split_sentences(text):
            # An item names its 类/款/项 (1、一般公共服务（类）…行政运行（项）。); its figures follow, in the same
            # paragraph or the next. A new numbered item without such a name ends the previous item.
            named = _subject_of(sentence)
            if named is not None:
                subject = named or None
            elif _HEADING_START.match(re.sub(r"\s+", "", sentence)):
                subject = None
            facts, head = _facts_of_sentence(
                sentence, offset, para, section, heading, subject, carried, department
            )
            extract.facts.extend(facts)
            carried = head or carried
    if extract.headcount_authorized is None:
        extract.headcount_authorized = loose_authorized
    return extract


__all__ = ["NarrativeExtract", "classify_page", "extract_narrative"]
