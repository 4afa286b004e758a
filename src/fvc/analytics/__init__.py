"""SQL over the pipeline's outputs: named DuckDB views (``connect``) and canned queries (``per_fold``, ``errors``,
``by``), behind ``fvc analytics``."""

from fvc.analytics.queries import SLICES, by, errors, per_fold, read_threshold
from fvc.analytics.views import SOURCES, connect, query

__all__ = ["SLICES", "SOURCES", "by", "connect", "errors", "per_fold", "query", "read_threshold"]
