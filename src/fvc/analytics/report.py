"""``fvc report``: a pull request's review of a run, in markdown (a CI comment, as CML posts) and in HTML.

What it holds, each part only when its files exist:
- against ``--baseline REV``: each metric's change over the same test videos with a paired bootstrap interval
  (``fvc.analytics.bootstrap``), marked "within noise" when the interval holds 0. The baseline's predictions come
  from git and the DVC cache or remote (``dvc.api.open``), so any commit or experiment whose outputs were
  committed (and pushed) can be the baseline;
- the folds (``results/fold_metrics.json``) with their mean ± std;
- metrics per slice (aspect ratio, method) through ``fvc analytics``'s views;
- the cross-corpus numbers (``results/crosseval/metrics.json``) and the shortcut audit (``results/audit.json``);
- the plots (``results/plots/*.png``): linked from the markdown, embedded in the HTML, which opens offline.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from fvc.analytics.bootstrap import compare
from fvc.analytics.queries import by, read_threshold
from fvc.analytics.views import connect
from fvc.errors import FvcError

PREDICTIONS = "results/predictions.parquet"
PLOTS = "results/plots"
SLICES_SHOWN = ("aspect_ratio", "method")


@dataclass
class Section:
    """A titled part of the report: prose lines, then tables (polars frames), then images (paths)."""

    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[pl.DataFrame] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_baseline(rev: str, root: str | os.PathLike = ".") -> pl.DataFrame:
    """The baseline's ``results/predictions.parquet`` at git revision ``rev`` (from the DVC cache or remote).

    Raises FvcError naming the revision when it has none or its data is neither cached nor pushed.
    """
    import dvc.api

    try:
        with dvc.api.open(PREDICTIONS, repo=str(root), rev=rev, mode="rb") as fh:
            return pl.read_parquet(io.BytesIO(fh.read()))
    except Exception as err:  # dvc raises many types: a bad rev, no such output, data not cached or pushed
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        message = f"report: cannot read {PREDICTIONS} at {rev!r} ({first}); `dvc push` it from where it ran"
        raise FvcError(message) from None


def build(root: str | os.PathLike = ".", baseline: str | None = None, draws: int = 2000) -> list[Section]:
    """The report's sections for the outputs under ``root`` (module docstring); FvcError if there are none."""
    root = Path(root)
    if not (root / PREDICTIONS).is_file():
        raise FvcError(f"report: {root / PREDICTIONS} missing; run `dvc repro evaluate` first")
    threshold = read_threshold(root)
    current = pl.read_parquet(root / PREDICTIONS)
    metrics = _json(root / "results/metrics.json") or {}
    sections = [_headline(metrics, current)]
    if baseline is not None:
        sections.append(_against(baseline, current, read_baseline(baseline, root), threshold, draws))
    folds = _json(root / "results/fold_metrics.json")
    if folds:
        sections.append(_folds(folds))
    con = connect(root)
    slices = Section("Per slice", [f"Videos called fake at p_fake >= {threshold}; AUC is null for a one-class slice."])
    for name in SLICES_SHOWN:
        try:
            slices.tables.append(by(con, name, threshold=threshold, root=root))
        except FvcError as err:  # the index is not there: say so instead of the table
            slices.lines.append(str(err))
    sections.append(slices)
    cross, audit = _json(root / "results/crosseval/metrics.json"), _json(root / "results/audit.json")
    sections += [s for s in (_crosseval(cross), _audit(audit)) if s is not None]
    plots = sorted((root / PLOTS).glob("*.png"))
    if plots:
        sections.append(Section("Plots", images=plots))
    return sections


def _headline(metrics: dict, predictions: pl.DataFrame) -> Section:
    mean, std, pooled = metrics.get("mean", {}), metrics.get("std", {}), metrics.get("pooled", {})
    n_folds = predictions["fold"].n_unique()
    lines = [f"Model `{metrics.get('model', '?')}`, {predictions.height} test videos in {n_folds} folds."]
    if mean:
        lines.append(
            f"AUC {mean['auc_roc']:.3f} ± {std['auc_roc']:.3f} (mean ± std over folds), pooled {pooled['auc_roc']:.3f};"
            f" F1 {mean['f1']:.3f} ± {std['f1']:.3f}; EER {mean['eer']:.3f}."
        )
    return Section("fvc report", lines)


def _against(rev: str, current: pl.DataFrame, baseline: pl.DataFrame, threshold: float, draws: int) -> Section:
    table = compare(current, baseline, threshold=threshold, draws=draws)
    interval = [f"[{lo:+.3f}, {hi:+.3f}]" for lo, hi in zip(table["low"], table["high"], strict=True)]
    verdict = table.with_columns(
        pl.Series("95% interval", interval),
        pl.when(pl.col("within_noise")).then(pl.lit("within noise")).otherwise(pl.lit("changed")).alias("verdict"),
    ).select("metric", "baseline", "current", "delta", "95% interval", "verdict")
    changed = table.filter(~pl.col("within_noise"))["metric"].to_list()
    return Section(
        f"Against {rev}",
        [
            f"Mean over folds on the {table['n'][0]} test videos both runs scored. The interval is a paired bootstrap"
            f" ({draws} draws, videos resampled within folds, seed 0): how far chance alone moves the change.",
            f"Changed beyond noise: {', '.join(changed)}." if changed else "Every change is within noise.",
        ],
        [verdict],
    )


def _folds(folds: dict) -> Section:
    keys = ("n", "auc_roc", "ap", "f1", "accuracy", "eer")
    rows = [{"fold": name} | {k: m.get(k) for k in keys} for name, m in folds.items()]
    table = pl.DataFrame(rows).sort("fold")
    numeric = [k for k in keys if k != "n"]
    summary = [
        {"fold": "mean ± std", "n": int(table["n"].sum())}
        | {k: f"{table[k].mean():.3f} ± {table[k].std(ddof=0):.3f}" for k in numeric}
    ]
    shown = table.with_columns(pl.col(numeric).round(3).cast(pl.String))
    return Section("Folds", tables=[pl.concat([shown, pl.DataFrame(summary, schema=shown.schema)])])


def _crosseval(cross: dict | None) -> Section | None:
    if not cross:
        return None
    if not cross.get("scored", True):
        return Section("Cross-corpus", [f"Not scored: {cross.get('reason', '')}"])
    ens, models = cross["ensemble"], cross["fold_models"]
    corpus = cross["corpus"]
    lines = [
        f"{corpus['videos']} videos of `{corpus['root']}` ({corpus['layout']}), {corpus['rejected']} rejected.",
        f"Ensemble AUC {ens['auc_roc']:.3f}, F1 {ens['f1']:.3f}; one fold model AUC"
        f" {models['mean']['auc_roc']:.3f} ± {models['std']['auc_roc']:.3f}.",
    ]
    methods = pl.DataFrame([{"method": m} | v for m, v in cross.get("methods", {}).items()])
    return Section("Cross-corpus", lines, [methods] if methods.height else [])


def _audit(audit: dict | None) -> Section | None:
    if not audit:
        return None
    flag = "**Warning**: metadata alone separates the classes." if audit["warning"] else "No metadata shortcut found."
    features = audit.get("features", {}).get("auc_roc")
    return Section(
        "Shortcut audit",
        [
            f"Metadata alone: AUC {audit['metadata_auc']:.3f} (warning above {audit['max_metadata_auc']}). {flag}",
            f"Handcrafted features: AUC {features:.3f}." if features is not None else "",
        ],
    )


def _cell(value: Any) -> str:
    """A table cell: numbers to 3 decimals, nothing for a null."""
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _markdown_table(table: pl.DataFrame) -> str:
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.iter_rows()]
    return "\n".join([head, rule, *body])


def to_markdown(sections: list[Section], root: str | os.PathLike = ".") -> str:
    """The report as GitHub-flavoured markdown; images are linked relative to ``root``."""
    out = []
    for i, s in enumerate(sections):
        out.append(("# " if i == 0 else "## ") + s.title)
        out += [line for line in s.lines if line]
        out += [_markdown_table(t) for t in s.tables]
        out += [f"![{p.stem}]({p.relative_to(root) if p.is_relative_to(root) else p})" for p in s.images]
    return "\n\n".join(out) + "\n"


def _html_table(table: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in table.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


# After load, each image says whether it was drawn, and the body how many were: a headless browser can check it.
_DRAWN = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  for (const img of images) img.dataset.drawn = img.complete && img.naturalWidth > 0 ? "yes" : "no";
  document.body.dataset.plots = images.filter((img) => img.dataset.drawn === "yes").length + "/" + images.length;
});
</script>"""
_STYLE = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    "th{background:#f3f3f3}img{max-width:100%;margin:1em 0;border:1px solid #eee}"
)


def to_html(sections: list[Section]) -> str:
    """The report as one HTML page with the plots embedded (data: URLs): it opens offline, no file beside it."""
    body = []
    for i, s in enumerate(sections):
        body.append(f"<h{1 if i == 0 else 2}>{html.escape(s.title)}</h{1 if i == 0 else 2}>")
        body += [f"<p>{html.escape(line).replace('**', '')}</p>" for line in s.lines if line]
        body += [_html_table(t) for t in s.tables]
        for p in s.images:
            data = base64.b64encode(p.read_bytes()).decode()
            body.append(f'<figure><img alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}"></figure>')
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>fvc report</title><style>{_STYLE}</style>'
        f"{_DRAWN}</head><body>{''.join(body)}</body></html>\n"
    )
