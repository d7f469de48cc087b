#!/bin/sh
# Builds attest-sweep and socsim, submits PLAN as an N-task job array and the merge
# step after it (runs only if every task succeeded).
#   scripts/slurm/submit.sh PLAN N OUTDIR
set -eu
[ $# -eq 3 ] || { echo "usage: $0 PLAN N OUTDIR" >&2; exit 2; }
PLAN=$1; N=$2; OUT=$3
cd "$(dirname "$0")/../.."
swift build -c release --product attest-sweep >/dev/null
swift build -c release --product socsim >/dev/null
mkdir -p "$OUT"
ARRAY=$(sbatch --parsable --array=0-$((N - 1)) scripts/slurm/sweep.sbatch "$PLAN" "$OUT")
sbatch --parsable --dependency=afterok:"$ARRAY" scripts/slurm/merge.sbatch "$PLAN" "$OUT"
