"""Chinese word segmentation for Wagtail's search, and when the catalogue's objects are indexed.

Wagtail's database backends index a run of Chinese characters as a single token, so a query for
数据 would not find 数据科学家. Text is segmented with jieba both when it is indexed (see the
`search_*` methods on RolePage) and before a query is run (`segment_query`).

The catalogue's pages and terms (SearchIndexed) are indexed on save by this module's receivers
instead of Wagtail's (modelsearch's), so that a bulk write can defer it: inside
`search_index_deferred()`, saves only note what changed, and each object is indexed once when
the block ends. A catalogue load saves a role's page several times (created, revision,
publication) and indexing it each time was half of the load.
"""

import logging
import threading
from contextlib import contextmanager
from contextvars import ContextVar

import jieba
from modelsearch import index
from modelsearch.backends import get_search_backends
from modelsearch.signal_handlers import post_delete_signal_handler

from django.apps import apps
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.tasks import task

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


class SearchIndexed:
    """A model indexed by this module's receivers (connect_signals) rather than Wagtail's: the
    same task on every save, except inside search_index_deferred()."""

    search_auto_update = False  # modelsearch connects no receiver of its own


# The objects saved in the current search_index_deferred() block, {(app label, model name): {pk}},
# or None outside one. A context variable: another thread's saves (a web request) are indexed
# as usual meanwhile.
_deferred = ContextVar("search_index_deferred", default=None)


BULK = 500  # objects indexed by one task


@task
def index_objects(app_label, model_name, pks):
    """Index these objects of one model, in one go where there are several: what modelsearch's
    insert_or_update_object_task does for one object (the specific instance, if it is among the
    model's indexed objects), with one write per search backend instead of one per object."""
    model = apps.get_model(app_label, model_name)
    instances = [index.get_indexed_instance(obj) for obj in model.objects.filter(pk__in=pks)]
    instances = [instance for instance in instances if instance is not None]
    if instances:
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(type(instances[0]), instances)


def _index(app_label, model_name, pks):
    index_objects.enqueue(app_label, model_name, pks)


def _saved(sender, instance, raw=False, **kwargs):
    if raw:  # fixtures (loaddata): as modelsearch does
        return
    key = (instance._meta.app_label, instance._meta.model_name)
    pending = _deferred.get()
    if pending is None:
        _index(*key, [str(instance.pk)])
    else:
        # A dict of dicts: insertion order, each object once.
        pending.setdefault(key, {})[str(instance.pk)] = None


@contextmanager
def search_index_deferred(*, index_when_done=True):
    """Saves of SearchIndexed objects in the block are indexed once each when it ends without an
    exception (an exception means a rollback: nothing to index), in bulk, one task per model.
    `index_when_done=False`: the caller indexes them itself (generate_roles does)."""
    pending = {}
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if index_when_done:
        for key, pks in pending.items():
            pks = list(pks)
            for start in range(0, len(pks), BULK):
                _index(*key, pks[start : start + BULK])


def connect_signals():
    for model in index.get_indexed_models():
        if issubclass(model, SearchIndexed):
            post_save.connect(_saved, sender=model)
            post_delete.connect(post_delete_signal_handler, sender=model)
