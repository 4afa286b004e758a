"""The corpus: the layouts a corpus on disk can have (a registry keyed by ``ingest.layout``), and ingest.

Importing this package registers every layout: importing a layout module runs its ``@register_layout``.
"""

from fvc.corpus import celebdf, dfdc, ffpp, fvc_corpus, manifest  # noqa: F401  (registrations)
from fvc.corpus.registry import INDEX_COLUMNS, list_layouts, read_corpus, register_layout

__all__ = ["INDEX_COLUMNS", "list_layouts", "read_corpus", "register_layout"]
