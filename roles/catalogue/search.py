"""Chinese word segmentation for Wagtail's search.

Wagtail's database backends index a run of Chinese characters as a single token, so a query for
数据 would not find 数据科学家. Text is segmented with jieba both when it is indexed (see the
`search_*` methods on RolePage) and before a query is run (`segment_query`).
"""

import logging
import threading

import jieba

from django.conf import settings

_lock = threading.Lock()
_ready = False


def _tokenizer():
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                cache_dir = settings.JIEBA_CACHE_DIR
                cache_dir.mkdir(parents=True, exist_ok=True)
                jieba.dt.tmp_dir = str(cache_dir)
                jieba.dt.initialize()
                _ready = True
    return jieba.dt


def segment(text):
    """Words of `text` for the index, fine-grained: 数据科学家 also yields 数据 and 科学家."""
    if not text:
        return ""
    words = (w.strip() for w in _tokenizer().cut_for_search(text))
    return " ".join(w for w in words if w)


def segment_query(query):
    """The words of a visitor's query, as small as the index has them: 数据分析 becomes
    数据 分析, so that it matches 数据 … 分析 anywhere. Punctuation and whitespace are dropped."""
    words = []
    for word in _tokenizer().cut_for_search(query):
        word = word.strip()
        if word and any(ch.isalnum() for ch in word) and word not in words:
            words.append(word)
    # cut_for_search also yields the compound of smaller words it found; keep only the parts.
    smallest = [w for w in words if not any(o != w and o in w for o in words)]
    return " ".join(smallest)
