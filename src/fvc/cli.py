"""The ``fvc`` command: generate the embedded corpus (``synth``), draw DVC plots offline (``offline-plots``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fvc.errors import run_main


def _synth(args: argparse.Namespace) -> None:
    from fvc.synth import DEFAULT_STRENGTH, generate_corpus

    started = time.perf_counter()
    strength = DEFAULT_STRENGTH if args.strength is None else args.strength
    manifest = generate_corpus(Path(args.out), seed=args.seed, size=args.size, strength=strength, workers=args.workers)
    n = sum(1 for _ in manifest.open(encoding="utf-8")) - 1
    print(f"fvc synth: {n} videos in {manifest.parent} ({time.perf_counter() - started:.1f} s); manifest {manifest}")


def _offline_plots(args: argparse.Namespace) -> None:
    from fvc.evaluate.offline_plots import write_offline_template

    path = write_offline_template(args.repo)
    print(f"fvc offline-plots: {path} set as plots.html_template; `dvc plots show` now draws without a network")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fvc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="generate the embedded default corpus (deterministic, offline)")
    synth.add_argument("--out", default="data/raw", help="corpus folder (default: data/raw)")
    synth.add_argument("--seed", type=int, default=0, help="corpus seed (default 0: the committed data.dvc)")
    synth.add_argument("--size", default="small", help="tiny | small (default) | medium")
    synth.add_argument("--strength", type=float, default=None, help="manipulation strength in [0, 1]")
    synth.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    synth.set_defaults(func=_synth)

    offline = sub.add_parser(
        "offline-plots", help="make `dvc plots show` work offline (inline the Vega libraries into its template)"
    )
    offline.add_argument("--repo", default=".", help="the DVC repository (default: .)")
    offline.set_defaults(func=_offline_plots)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``fvc`` console script."""
    args = build_parser().parse_args(argv)
    run_main(lambda: args.func(args))


if __name__ == "__main__":
    main()
