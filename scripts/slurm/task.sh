#!/usr/bin/env bash
# One array task of the SLURM driver (scripts/slurm/driver.py): runs the command dvc.yaml gives stage STAGE@ID,
# e.g. `python stages/train.py --fold 1` for train@1, with no DVC process (the driver, the one DVC process that
# owns the repository, records the outputs with `dvc commit` afterwards). Runs under SLURM or by hand.
#
# Usage, from the repository root:
#   sbatch --array=0,1 scripts/slurm/task.sh train       # ID = $SLURM_ARRAY_TASK_ID
#   SLURM_ARRAY_TASK_ID=1 scripts/slurm/task.sh train    # by hand, without SLURM
#   scripts/slurm/task.sh train 1                        # the same
# Environment: OMP_NUM_THREADS defaults to SLURM_CPUS_PER_TASK under SLURM (torch's threads = the CPUs granted);
# FVC_SLURM_RUN_DIR, when set (by the driver), receives STAGE@ID.done on success.
set -euo pipefail

die() {
  echo "task.sh: $*" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || die "usage: scripts/slurm/task.sh STAGE [ID]   (ID defaults to \$SLURM_ARRAY_TASK_ID)"
stage=$1
id=${2:-${SLURM_ARRAY_TASK_ID:-}}
[[ -n $id ]] || die "no array id for $stage: set SLURM_ARRAY_TASK_ID or pass it as the second argument"
[[ -f dvc.yaml && -d .dvc ]] || die "run from the repository root (no dvc.yaml and .dvc/ in $PWD)"
if [[ -d .venv/bin ]]; then
  PATH="$PWD/.venv/bin:$PATH"
fi
if [[ -z ${OMP_NUM_THREADS:-} && -n ${SLURM_CPUS_PER_TASK:-} ]]; then
  export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
fi
name="$stage@$id"

# The stage's command as DVC resolves it (foreach's ${item} expanded); reading dvc.yaml takes no repo lock.
cmd=$(
  python - "$name" <<'PY'
import sys

from dvc.exceptions import DvcException
from dvc.repo import Repo

try:
    with Repo() as repo:
        (stage,) = repo.stage.collect(sys.argv[1])
except (DvcException, ValueError) as err:
    sys.exit(f"task.sh: {sys.argv[1]}: {err}")
print("\n".join(stage.cmd) if isinstance(stage.cmd, list) else stage.cmd)
PY
)

job=${SLURM_ARRAY_JOB_ID:+SLURM job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}
started=$(date +%s.%N)
echo "task $name: started $started on $(hostname)${job:+ as $job} (OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}): $cmd"
bash -euo pipefail -c "$cmd"
finished=$(date +%s.%N)
echo "task $name: finished $finished ($(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f", b - a }') s)"
if [[ -n ${FVC_SLURM_RUN_DIR:-} ]]; then
  touch "$FVC_SLURM_RUN_DIR/$name.done"
fi
