"""Greedy longest-match scanning of agency cells (helpers for ``tasks.agencies.directory``).

A cell is cut into words; separators ("," ";" "/" line breaks) before a word are its ``gap``.
Known names, aliases and group phrases are stored in word tries, one keyed on ``fold`` keys
and one on diacritic-free keys (a fallback for OCR noise such as "UBNĐ" or "Vãn phòng").
A name may run across "," or "/" where its phrase has one ("Sở Văn hóa, Thể thao và Du
lịch"), across "-" or "." anywhere ("Sở Nông - nghiệp ..."), never across ";" or a line break.
Words no name covers become unresolved spans, cut at separators ("," ";" "/" line breaks and
the word "và").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tasks.common.text import fold, strip_diacritics

__all__ = ["Hit", "PhraseIndex", "Target", "Word", "phrase_keys", "scan", "tokenize"]

Target = tuple[str, str]
"""(kind, key): kind is "entry", "group", "commune" (commune-level wording) or "filler"."""

HARD = frozenset(";\n")
SEPARATORS = frozenset(",;/\n")
_AMBIGUOUS: Target = ("ambiguous", "")
_END = ""  # trie key of a terminal (no word folds to the empty string)

_TOKEN_RE = re.compile(r"(?P<word>[^\W_]+)|(?P<amp>&)|(?P<sep>[,;/\n])")
_PAREN_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_OPEN_PAREN_RE = re.compile(r"[(\[][^\n]*")

# Multi-word spellings folded to the abbreviation plans also use (keys are diacritic-free).
_REWRITES: dict[tuple[str, ...], str] = {
    ("uy", "ban", "nhan", "dan"): "ubnd",
    ("phat", "trien", "nong", "thon"): "ptnt",
    ("mat", "tran", "to", "quoc"): "mttq",
    ("nong", "thon", "moi"): "ntm",
    ("hop", "tac", "xa"): "htx",
    ("thanh", "pho"): "tp",
    ("thi", "xa"): "tx",
}
_REWRITE_ORDER = sorted(_REWRITES, key=len, reverse=True)


@dataclass(frozen=True)
class Word:
    start: int  # offsets in the text given to ``tokenize`` (after NFC)
    end: int
    exact: str  # fold key; a number's digits ("#" in a phrase's "{n}", any number), "và" for "&"
    fuzzy: str  # diacritic-free key
    gap: frozenset[str] = frozenset()  # separators seen between the previous word and this one
    amp: bool = False  # an "&" inside an abbreviation ("NN&PTNT"), not a separating "và"

    @property
    def is_and(self) -> bool:
        return self.exact == "và" and not self.amp


def _blank(m: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))


def tokenize(text: str) -> tuple[str, list[Word]]:
    """NFC the text, blank out parenthetical remarks, and cut it into words.

    Returns the (blanked) text the word offsets refer to, and the words.
    """
    source = unicodedata.normalize("NFC", text)
    while True:
        blanked = _PAREN_RE.sub(_blank, source)
        if blanked == source:
            break
        source = blanked
    source = _OPEN_PAREN_RE.sub(_blank, source)  # an unclosed "(" runs to the end of its line
    words: list[Word] = []
    gap: set[str] = set()
    for m in _TOKEN_RE.finditer(source):
        if m.lastgroup == "sep":
            gap.add(m.group())
            continue
        raw = m.group()
        if m.lastgroup == "amp":
            exact, amp = "và", True
        else:
            exact, amp = fold(raw), False
        words.append(Word(m.start(), m.end(), exact, strip_diacritics(exact), frozenset(gap), amp))
        gap = set()
    return source, _rewrite(words)


def _rewrite(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    i = 0
    while i < len(words):
        for pattern in _REWRITE_ORDER:
            n = len(pattern)
            chunk = words[i : i + n]
            if (
                len(chunk) == n
                and tuple(w.fuzzy for w in chunk) == pattern
                and not any(w.gap & HARD for w in chunk[1:])
            ):
                repl = _REWRITES[pattern]
                out.append(Word(chunk[0].start, chunk[-1].end, repl, repl, chunk[0].gap))
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


_ANY_NUMBER = "zzanynumberzz"  # stands in for "{n}" while a phrase is cut into words


def phrase_keys(phrase: str) -> list[Word]:
    """Words of a name, alias or group phrase; "{n}" stands for any number ("#")."""
    words = tokenize(phrase.replace("{n}", f" {_ANY_NUMBER} "))[1]
    return [Word(w.start, w.end, "#", "#", w.gap) if w.exact == _ANY_NUMBER else w for w in words]


class PhraseIndex:
    """Word tries (exact and diacritic-free) from phrases to targets.

    Each trie edge is (word, separator before it). A cell may leave out a separator the
    phrase has ("Sở Văn hóa Thể thao và Du lịch") but not add one the phrase lacks, so
    "Ban Dân tộc, Tỉnh đoàn" is not read as the alias "Ban Dân tộc tỉnh" plus "đoàn".
    """

    def __init__(self) -> None:
        self._exact: dict = {}
        self._fuzzy: dict = {}
        self._owners: dict[tuple[str, ...], Target] = {}
        self.conflicts: list[tuple[str, Target, Target]] = []  # exact key claimed by two targets

    def add(self, phrase: str, target: Target) -> None:
        words = phrase_keys(phrase)
        if not words:
            return
        seps = [False] + [bool(w.gap & SEPARATORS) for w in words[1:]]
        plain = tuple(w.exact for w in words)
        owner = self._owners.setdefault(plain, target)
        if owner != target:
            self.conflicts.append((phrase, owner, target))
        self._insert(self._exact, list(zip(plain, seps, strict=True)), target)
        self._insert(self._fuzzy, [(w.fuzzy, sep) for w, sep in zip(words, seps, strict=True)], target)

    @staticmethod
    def _insert(root: dict, keys: Sequence[tuple[str, bool]], target: Target) -> None:
        node = root
        for key in keys:
            node = node.setdefault(key, {})
        old = node.get(_END)
        node[_END] = target if old is None or old == target else _AMBIGUOUS

    def lookup(self, phrase: str) -> Target | None:
        """Target of a whole phrase (exact key first, then diacritic-free), or None."""
        words = phrase_keys(phrase)
        hit = self.longest(words, 0)
        return hit[1] if hit and hit[0] == len(words) else None

    def longest(self, words: Sequence[Word], i: int) -> tuple[int, Target] | None:
        """Longest phrase starting at word ``i``: (end index, target); exact wins a tie."""
        best: tuple[int, Target] | None = None
        for root, attr in ((self._exact, "exact"), (self._fuzzy, "fuzzy")):
            stack = [(root, i)]
            while stack:
                node, j = stack.pop()
                if j >= len(words) or (j > i and words[j].gap & HARD):
                    continue
                key = getattr(words[j], attr)
                sep = j > i and bool(words[j].gap & SEPARATORS)
                # a number is itself ("Phường Hà Giang 1") or any number ("UBND {n} xã")
                for k in (key, "#") if key.isdigit() else (key,):
                    for child in filter(None, (node.get((k, True)), None if sep else node.get((k, False)))):
                        target = child.get(_END)
                        if target is not None and target != _AMBIGUOUS and (best is None or j + 1 > best[0]):
                            best = (j + 1, target)
                        stack.append((child, j + 1))
        return best


@dataclass(frozen=True)
class Hit:
    target: Target | None  # None: words nothing matched (unresolved)
    start: int  # word indices, end exclusive
    end: int
    text: str  # the words as written (NFC, whitespace collapsed)


def _absorb_tail(words: Sequence[Word], j: int, province: Sequence[str]) -> int:
    """Swallow a trailing "tỉnh" and a province name after it ("... tỉnh", "... tỉnh Lạng Sơn")."""
    if j < len(words) and words[j].exact == "tỉnh" and not words[j].gap:
        j += 1
    if province and j > 0 and words[j - 1].exact == "tỉnh":
        chunk = words[j : j + len(province)]
        if [w.fuzzy for w in chunk] == list(province) and not any(w.gap for w in chunk):
            j += len(province)
    return j


def _span_text(source: str, words: Sequence[Word], i: int, j: int) -> str:
    return " ".join(source[words[i].start : words[j - 1].end].split())


def scan(
    text: str,
    main: PhraseIndex,
    continuation: PhraseIndex | None = None,
    continues: Callable[[Target], bool] = lambda t: False,
    province: Sequence[str] = (),
) -> list[Hit]:
    """Cover a cell with hits, in order: matched targets and unresolved spans.

    ``continuation`` holds shortened names ("Y tế" for "Sở Y tế") that may only follow a
    hit for which ``continues`` is true, with nothing but separators in between
    ("Sở Công thương, Y tế"). Commune-level wording ("UBND các xã ...") is reported as a
    "commune" hit running to the next separator. ``province`` is the diacritic-free words of
    the province name, swallowed after a trailing "tỉnh". Wording of an abolished level
    ("UBND huyện ...", an "abolished" hit) runs to the next separator the same way.
    """
    source, words = tokenize(text)
    hits: list[Hit] = []
    covered = [False] * len(words)
    i = 0
    while i < len(words):
        best = main.longest(words, i)
        prev = hits[-1] if hits else None
        if continuation is not None and prev is not None and prev.target and continues(prev.target):
            adjacent = prev.end == i or (prev.end == i - 1 and words[i - 1].is_and)
            short = continuation.longest(words, i) if adjacent else None
            if short and (best is None or short[0] > best[0]):
                best = short
        if best is None:
            i += 1
            continue
        j, target = best
        if target[0] in ("commune", "abolished"):  # "UBND huyện Lục Ngạn": the unit's name goes with it
            while j < len(words) and not (words[j].gap & SEPARATORS) and not words[j].is_and:
                j += 1
        else:
            j = _absorb_tail(words, j, province)
        hits.append(Hit(target, i, j, _span_text(source, words, i, j)))
        covered[i:j] = [True] * (j - i)
        i = j
    ordered = sorted(hits + list(_leftovers(source, words, covered)), key=lambda h: h.start)
    return _merge_unknown(source, words, ordered)


def _merge_unknown(source: str, words: Sequence[Word], hits: list[Hit]) -> list[Hit]:
    """Fold a match into unresolved words it touches without a separator.

    "Phòng Nông nghiệp huyện Tân Yên" or "Sở NN&PTNT tỉnh Hà Nội" is one unknown name, not
    a district or department plus some noise: the whole of it is reported unresolved.
    """

    def unknown(hit: Hit) -> bool:
        return hit.target is None or hit.target[0] == "commune"

    out: list[Hit] = []
    for hit in hits:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == hit.start
            and not (words[hit.start].gap & SEPARATORS)
            and (unknown(prev) or unknown(hit))
            and "filler" not in {h.target[0] for h in (prev, hit) if h.target}
        ):
            out.pop()
            hit = Hit(None, prev.start, hit.end, _span_text(source, words, prev.start, hit.end))
        out.append(hit)
    return out


def _leftovers(source: str, words: Sequence[Word], covered: Sequence[bool]) -> Iterable[Hit]:
    start: int | None = None
    for k, word in enumerate([*words, None]):
        breaks = word is None or covered[k] or word.is_and or bool(word.gap & SEPARATORS)
        if breaks and start is not None:
            yield Hit(None, start, k, _span_text(source, words, start, k))
            start = None
        if word is not None and not covered[k] and not word.is_and and start is None:
            start = k
