#!/bin/bash
# Stands up a one-node Slurm (Debian slurm-wlm and munge) in a temporary
# directory, runs scripts/slurm/plan-small.json as a 3-task job array and
# the merge step through submit.sh's scripts, and requires the merged
# records to equal, byte for byte, one local run of the whole plan. The
# daemons run in the foreground of this script's children and are stopped
# by their process ids on exit.
#   scripts/slurm/one-node-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
    command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install slurm-wlm munge" >&2; exit 2; }
done
swift build --product attest-sweep >/dev/null
swift build --product socsim >/dev/null
export ATTEST_SWEEP=$REPO/.build/debug/attest-sweep SOCSIM=$REPO/.build/debug/socsim
PLAN=$REPO/scripts/slurm/plan-small.json

T=$(mktemp -d /tmp/attest-slurm.XXXXXX)
PIDS=()
KEEP=1
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$KEEP" = 0 ]; then rm -rf "$T"; else echo "logs kept in $T" >&2; fi
}
trap cleanup EXIT
mkdir -p "$T/state" "$T/spool" "$T/out" "$T/local"
chmod 700 "$T"

dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge.key"
munged --foreground --force --key-file="$T/munge.key" --socket="$T/munge.sock" \
    --pid-file="$T/munged.pid" --log-file="$T/munged.log" --seed-file="$T/munge.seed" 2>>"$T/munged.err" &
PIDS+=($!)

HOST=$(hostname -s)
cat > "$T/slurm.conf" <<CONF
ClusterName=attest
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge.sock
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=$HOST CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$T/slurm.conf
for _ in $(seq 50); do [ -S "$T/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" 2>>"$T/slurmctld.err" &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" 2>>"$T/slurmd.err" &
PIDS+=($!)
for _ in $(seq 100); do
    sinfo -h -o %t 2>/dev/null | grep -q idle && break
    sleep 0.3
done
sinfo -h -o %t | grep -q idle || { echo "the node did not come up; logs in $T" >&2; tail "$T"/*.log >&2; exit 1; }

ARRAY=$(sbatch --parsable --chdir="$REPO" --output="$T/task-%a.out" --array=0-2 scripts/slurm/sweep.sbatch "$PLAN" "$T/out")
MERGE=$(sbatch --parsable --chdir="$REPO" --output="$T/merge.out" --dependency=afterok:"$ARRAY" scripts/slurm/merge.sbatch "$PLAN" "$T/out")
for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$ARRAY,$MERGE" 2>/dev/null)" ] && break
    sleep 0.5
done
[ -f "$T/out/merged.jsonl" ] || { echo "no merged records; job output in $T" >&2; cat "$T"/*.out >&2 || true; exit 1; }

"$ATTEST_SWEEP" run --plan "$PLAN" --out "$T/local"
"$SOCSIM" attest merge --plan "$PLAN" "$T/local" >/dev/null
cmp "$T/out/merged.jsonl" "$T/local/merged.jsonl"
echo "one-node Slurm: $(ls "$T/out"/shard-*.jsonl | wc -l) shards, $(wc -l < "$T/out/merged.jsonl") rounds, identical to the local run"
cat "$T/out/summary.txt"
KEEP=0
