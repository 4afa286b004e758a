#!/usr/bin/env bash
# Reproduces the whole pipeline with the per-shard and per-fold stages (scale@s, features@s, train@k) fanned out
# as SLURM array jobs, or as parallel local processes with --local; the one DVC process is the driver
# (scripts/slurm/driver.py: the steps and the FVC_SLURM_* variables that set sbatch's partition, time, CPUs, memory
# and GPUs). Puts the project's .venv/bin first on PATH, as the Makefile does, so the tasks find the same python.
#
# Usage, from the repository root:
#   scripts/slurm/run.sh                 # on a SLURM login node: sbatch --wait --array per fan-out
#   scripts/slurm/run.sh -j 4            # the same, at most 4 array tasks at once
#   scripts/slurm/run.sh --local -j 2    # no SLURM: the folds (and shards) as 2 local processes at a time
set -euo pipefail

if [[ ! -f dvc.yaml || ! -d .dvc ]]; then
  echo "run.sh: run from the repository root (no dvc.yaml and .dvc/ in $PWD)" >&2
  exit 2
fi
if [[ -d .venv/bin ]]; then
  export PATH="$PWD/.venv/bin:$PATH"
fi
export DVC_NO_ANALYTICS=${DVC_NO_ANALYTICS:-1}
exec python scripts/slurm/driver.py "$@"
