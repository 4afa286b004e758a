"""The ``fvc`` command: generate the embedded corpus (``synth``), draw DVC plots offline (``offline-plots``), score
videos with the fold ensemble (``predict``), export a trained model (``export``), query the pipeline's outputs
(``analytics``) and review a run against a baseline (``report``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fvc.errors import run_main


def _synth(args: argparse.Namespace) -> None:
    from fvc.synth import DEFAULT_STRENGTH, generate_corpus

    started = time.perf_counter()
    strength = DEFAULT_STRENGTH if args.strength is None else args.strength
    manifest = generate_corpus(
        Path(args.out),
        seed=args.seed,
        size=args.size,
        strength=strength,
        workers=args.workers,
        identities=args.identities.replace("-", "_"),
    )
    n = sum(1 for _ in manifest.open(encoding="utf-8")) - 1
    print(f"fvc synth: {n} videos in {manifest.parent} ({time.perf_counter() - started:.1f} s); manifest {manifest}")


def _report(args: argparse.Namespace) -> None:
    from fvc.analytics.report import build, to_html, to_markdown
    from fvc.atomic import write_text
    from fvc.errors import FvcError

    if args.draws < 100:
        raise FvcError(f"--draws {args.draws}: expected at least 100 bootstrap draws")
    sections = build(args.root, baseline=args.baseline, draws=args.draws)
    markdown = to_markdown(sections, args.root)
    if args.out:
        write_text(markdown, args.out)
        print(f"fvc report: {args.out}")
    else:
        print(markdown, end="")
    if args.html:
        write_text(to_html(sections), args.html)
        print(f"fvc report: {args.html}")


def _offline_plots(args: argparse.Namespace) -> None:
    from fvc.evaluate.offline_plots import write_offline_template

    path = write_offline_template(args.repo)
    print(f"fvc offline-plots: {path} set as plots.html_template; `dvc plots show` now draws without a network")


def _predict(args: argparse.Namespace) -> None:
    import json
    import sys

    from fvc.predict import load_ensemble, score_videos

    started = time.perf_counter()
    ensemble = load_ensemble(args.models)
    rows = score_videos(args.paths, ensemble, workers=args.workers)
    for row in rows:
        if args.json:
            print(json.dumps(row))
        elif "error" in row:
            print(f"error  {row['path']}: {row['error']}")
        else:
            face = {"detected": ", face crop", "fallback": ", no face: full frame"}.get(row.get("face", "off"), "")
            print(
                f"{row['label']:<5}  {row['p_fake']:.3f}  {row['path']}  ({row['frames']} frames"
                f" {row['height']}x{row['width']}{face}, {row['model']} x {row['folds']} folds)"
            )
    scored = sum("error" not in row for row in rows)
    print(
        f"fvc predict: {scored} scored, {len(rows) - scored} failed ({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    if not scored:
        raise SystemExit(1)


def _export(args: argparse.Namespace) -> None:
    from fvc.errors import FvcError
    from fvc.export import export_model

    started = time.perf_counter()
    fold_dir = Path(args.models) / f"fold_{args.fold}"
    checkpoint = fold_dir / "best.pt"
    if not checkpoint.exists() and (fold_dir / "baseline.json").exists():
        raise FvcError(f"{fold_dir}: holds a feature baseline (baseline.json); only clip models can be exported")
    out = export_model(checkpoint, args.out, snippet=args.snippet)
    print(f"fvc export: {checkpoint} -> {out} ({time.perf_counter() - started:.1f} s); load with torch.export.load")


def _analytics(args: argparse.Namespace) -> None:
    from fvc.analytics.command import run_analytics

    run_analytics(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fvc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="generate the embedded default corpus (deterministic, offline)")
    synth.add_argument("--out", default="data/raw", help="corpus folder (default: data/raw)")
    synth.add_argument("--seed", type=int, default=0, help="corpus seed (default 0: the committed data.dvc)")
    synth.add_argument("--size", default="small", help="tiny | small (default) | medium")
    synth.add_argument("--strength", type=float, default=None, help="manipulation strength in [0, 1]")
    synth.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    synth.add_argument(
        "--identities",
        default="train",
        help="train (default) | held-out: people no train corpus shows (the crosseval corpus, data/cross)"
        " | dev: other held-out people, for design decisions (scripts/dev_score.py)",
    )
    synth.set_defaults(func=_synth)

    offline = sub.add_parser(
        "offline-plots", help="make `dvc plots show` work offline (inline the Vega libraries into its template)"
    )
    offline.add_argument("--repo", default=".", help="the DVC repository (default: .)")
    offline.set_defaults(func=_offline_plots)

    export = sub.add_parser("export", help="write a trained fold's model as one torch.export program (.pt2)")
    export.add_argument("--out", required=True, help="the .pt2 file to write (its folder must exist)")
    export.add_argument("--models", default="models", help="the train stage's output folder (default: models)")
    export.add_argument("--fold", type=int, default=0, help="which fold's best.pt (default 0)")
    export.add_argument("--snippet", type=int, default=None, help="frames per snippet, if the checkpoint lacks it")
    export.set_defaults(func=_export)

    predict = sub.add_parser("predict", help="score videos with the trained fold ensemble (models/fold_k/best.pt)")
    predict.add_argument("paths", nargs="+", help="video files or folders (mp4, webm, mkv, avi, mov, m4v inside)")
    predict.add_argument("--models", default="models", help="folder of fold_k/best.pt (default: models)")
    predict.add_argument("--json", action="store_true", help="one JSON object per video instead of a table")
    predict.add_argument("--workers", type=int, default=1, help="decoding processes (default 1)")
    predict.set_defaults(func=_predict)

    analytics = sub.add_parser("analytics", help="SQL over the pipeline's outputs (DuckDB views), or a canned query")
    analytics.add_argument("sql", nargs="?", help="a query over the views (predictions, fold_metrics, history, ...)")
    canned = analytics.add_mutually_exclusive_group()
    canned.add_argument("--per-fold", action="store_true", help="n, n_fake, AUC and accuracy per fold")
    canned.add_argument("--errors", type=int, nargs="?", const=10, metavar="N", help="the N most confident mistakes")
    canned.add_argument("--by", metavar="SLICE", help="metrics per aspect_ratio|method|source|codec|fps|resolution")
    analytics.add_argument("--format", choices=("table", "csv", "json"), default="table", help="default: table")
    analytics.add_argument("--root", default=".", help="the repository whose outputs to read (default: .)")
    analytics.set_defaults(func=_analytics)

    report = sub.add_parser("report", help="a markdown (and HTML) review of the run, against a baseline revision")
    report.add_argument("--baseline", metavar="REV", help="git revision to compare with (paired bootstrap)")
    report.add_argument("--out", help="write the markdown here (default: print it)")
    report.add_argument("--html", help="also write a self-contained HTML page with the plots embedded")
    report.add_argument("--draws", type=int, default=2000, help="bootstrap draws (default 2000)")
    report.add_argument("--root", default=".", help="the repository whose outputs to read (default: .)")
    report.set_defaults(func=_report)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``fvc`` console script."""
    args = build_parser().parse_args(argv)
    run_main(lambda: args.func(args))


if __name__ == "__main__":
    main()
