"""Chinese text for readers: pinyin sort keys, pinyin matching and search highlighting.

Chinese readers expect lists in pinyin order (a 拼音 collation, not Unicode code points), and a
visitor with the input method off types pinyin: `tishi` or the initials `tsgcs` for 提示工程师.
pypinyin gives the readings. Converting a phrase with pypinyin takes ~50 µs a character, so
what is computed per text is cached, and the search index holds the pinyin of role names
(`index_tokens`, see RolePage.search_pinyin) rather than each query computing it.
"""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PINYIN_DICT

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
PINYIN_QUERY = re.compile(r"^[a-z]{2,40}$")
TONE_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")
MIN_INITIALS = 3  # two initials (sj, ts) say too little to be a query on their own


def _split_latin(items):
    """pypinyin returns a run of non-Chinese text as one item: split it into characters so that
    each item stands for one character of the text."""
    return list(items) if isinstance(items, str) else items


@lru_cache(maxsize=8192)
def pinyin_key(text):
    """A sort key for `text` in pinyin order: syllable by syllable (so xi'an sorts before
    xian), then by tone; Latin letters sort among the syllables by their own letters."""
    key = []
    for item in lazy_pinyin(text or "", style=Style.TONE3, errors=_split_latin):
        letters = item.rstrip("012345").lower()
        tone = int(item[len(letters)]) if len(item) > len(letters) else 5
        key.append((letters, tone))
    return tuple(key), text or ""


def sort_key(term):
    """Sort key of a term (or anything with a name or title) in the reader's order: pinyin on
    the Chinese interface, alphabetical by English name (where there is one) on the English
    interface."""
    name = getattr(term, "title", None) or getattr(term, "name", "") or str(term)
    return names_key(name, getattr(term, "english_name", ""))


def names_key(name, english_name=""):
    """Sort key of a name (and its English name) in the reader's order; on the English
    interface, names without an English one follow, in pinyin order."""
    if get_language() == "en":
        if english_name:
            return (0, english_name.casefold(), ())
        return (1, "", pinyin_key(name))
    return (0, "", pinyin_key(name))


def label_key(label):
    """Sort key of a label shown in the interface language (a Chinese name, or on the English
    interface an English one where there is one)."""
    return names_key(label, "" if HAN.search(label) else label)


@lru_cache(maxsize=4096)
def syllables(text):
    """The pinyin syllables of the Chinese characters of `text`, without tones."""
    return tuple(
        s.translate(TONE_MARKS) for run in HAN_RUN.findall(text or "") for s in lazy_pinyin(run)
    )


@lru_cache(maxsize=16384)
def _readings(char):
    """Every reading of one character, without tones (行: hang, xing); a non-Chinese character
    reads as itself, lower-cased."""
    readings = PINYIN_DICT.get(ord(char))
    if not readings:
        return (char.lower(),)
    return tuple(dict.fromkeys(r.translate(TONE_MARKS) for r in readings.split(",")))


def pinyin_spans(text, needle):
    """(start, end) spans of `text` whose pinyin is `needle` (lower-case ASCII letters): the full
    syllables (tishi → 提示) or, for three characters or more, their initials (sjfx → 数据分析).
    Any reading of a character counts, so a heteronym matches under each of its readings."""
    if not text or not PINYIN_QUERY.match(needle):
        return []
    readings = [_readings(ch) for ch in text]
    spans = []

    def consume(i, k, initials):
        """The end of a match of needle[k:] starting at text[i], or None."""
        if k == len(needle):
            return i
        if i == len(text) or not HAN.match(text[i]):
            return None
        for reading in readings[i]:
            part = reading[0] if initials else reading
            if needle.startswith(part, k):
                end = consume(i + 1, k + len(part), initials)
                if end is not None:
                    return end
        return None

    i = 0
    while i < len(text):
        end = None
        if HAN.match(text[i]):
            end = consume(i, 0, initials=False)
            if end is None and len(needle) >= MIN_INITIALS:
                end = consume(i, 0, initials=True)
        if end is not None and end > i:
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def literal_spans(text, needle):
    spans = []
    if not needle:
        return spans
    folded, needle = text.casefold(), needle.casefold()
    if len(folded) != len(text):  # casefold changed the length: fall back to lower()
        folded, needle = text.lower(), needle.lower()
    start = folded.find(needle)
    while start != -1:
        spans.append((start, start + len(needle)))
        start = folded.find(needle, start + len(needle))
    return spans


def match_spans(text, needle):
    """Where `needle` (one query word) occurs in `text`, literally or as pinyin."""
    spans = literal_spans(text, needle)
    return spans or pinyin_spans(text, needle.lower())


def matches(text, needle):
    return bool(text) and bool(match_spans(text, needle))


def highlight(text, needles):
    """`text`, HTML-escaped, with each match of a needle wrapped in <mark>. The text is cut at
    the matches and each piece escaped on its own, so a match can never split an entity and
    nothing of the text is ever trusted as HTML."""
    text = str(text or "")
    marked = [False] * len(text)
    for needle in needles or ():
        for start, end in match_spans(text, needle):
            marked[start:end] = [True] * (end - start)
    if not any(marked):
        return escape(text)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marked[j] == marked[i]:
            j += 1
        piece = escape(text[i:j])
        out.append(f"<mark>{piece}</mark>" if marked[i] else piece)
        i = j
    return mark_safe("".join(out))  # noqa: S308  (every piece escaped above)


@lru_cache(maxsize=4096)
def index_tokens(text):
    """Pinyin words for the search index: for each run of Chinese characters, the full pinyin of
    every stretch of two or more characters (提示工程师: tishi, gongcheng, tishigongchengshi …)
    and the initials of every stretch of three or more (tsgcs, gcs …). Phrase-aware readings
    (pypinyin's phrase dictionary decides 银行 is yinhang)."""
    tokens = []
    for run in HAN_RUN.findall(text or ""):
        syllables = [s.translate(TONE_MARKS) for s in lazy_pinyin(run, errors=_split_latin)]
        if len(syllables) != len(run):
            continue
        n = len(run)
        for length in range(2, min(n, 12) + 1):
            for start in range(0, n - length + 1):
                part = syllables[start : start + length]
                tokens.append("".join(part))
                if length >= MIN_INITIALS:
                    tokens.append("".join(s[0] for s in part))
    return " ".join(dict.fromkeys(tokens))


@lru_cache(maxsize=4096)
def filter_keys(label):
    """What a filter-as-you-type box matches an option's label by: the label, its pinyin and the
    initials of the pinyin, lower-cased (数据分析 → "数据分析 shujufenxi sjfx")."""
    parts = syllables(label)
    keys = [label.lower()]
    if parts:
        keys += ["".join(parts), "".join(p[0] for p in parts)]
    return " ".join(keys)
