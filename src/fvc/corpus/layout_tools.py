"""What the corpus layouts share: grouping identities into connected components, and the one-line summaries a
reader prints (videos, groups, files it did not recognise)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl


def connected_groups(links: Iterable[Iterable[str]]) -> dict[str, str]:
    """Union-find: each identity mapped to the smallest identity of its connected component, where the identities
    of one link (those that appear together in one video) are connected."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    for link in links:
        first, *rest = link
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smaller id stays the root: the group name is the minimum
        find(first)
    return {x: find(x) for x in parent}


def index_summary(table: pl.DataFrame) -> str:
    """``N videos indexed (R real, F fake) in G groups, the largest L``: a group so large that cross-validation
    cannot balance the folds (identities that all appear together) shows here."""
    if table.is_empty():
        return "0 videos indexed"
    sizes = table["group"].value_counts()["count"]
    real = int((table["label"] == "real").sum())
    return (
        f"{table.height} videos indexed ({real} real, {table.height - real} fake)"
        f" in {len(sizes)} groups, the largest {sizes.max()}"
    )


def unknown_summary(unknown: Sequence[str], what: str = "files not in the layout") -> str:
    """``K <what>`` and, when K > 0, `` (e.g. <first>)``."""
    return f"{len(unknown)} {what}" + (f" (e.g. {unknown[0]})" if unknown else "")
