#!/bin/bash
# The SLURM path tested for real (npm test's "slurm" step): a one-node cluster on this machine from Debian's
# slurmctld, slurmd and munge, every packet on the loopback address, all configuration and state in a
# temporary folder (nothing under /etc is touched). It submits scripts/slurm/submit.sh's 2-task array on the
# shipped set (public/samples) with the demo model, waits (bounded), checks that the merged report is
# exactly the report of one `real eval` process, and stops the daemons it started, also on failure.
# Needs root (munged and slurmd run as root here; without it the test says so and exits 77, skipped) and the
# packages (bash scripts/setup.sh test installs them). Exit 0 when it passed, 1 when it failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
started=$(date +%s)
say() { echo "slurm test: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# Not root (a developer's machine): skipped, saying so, with exit 77; CI runs as root.
if [ "$(id -u)" -ne 0 ]; then say "SKIPPED: needs root (munged and slurmd run as root in this test)"; exit 77; fi
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$c" >/dev/null || fail "$c is missing (bash scripts/setup.sh test installs slurmctld, slurmd, munge)"
done

tmp="$(mktemp -d /tmp/real-slurm.XXXXXX)"
chmod 700 "$tmp"
pids=()
cleanup() {
  local rc=$?
  # Only what this script started, by its pid.
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$tmp/slurm.conf" ]; then scancel --quiet --full -u root 2>/dev/null || true; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$tmp"/log/*.log "$tmp"/out/real-*.out; do
      [ -f "$f" ] && { say "--- $f (last lines)"; tail -n 25 "$f" >&2; }
    done
  fi
  rm -rf "$tmp"
  say "took $(($(date +%s) - started)) s"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
host="$(hostname -s)"
mkdir -p "$tmp"/{log,state,spool,run,munge}
chmod 700 "$tmp/munge"

# munge: a fresh key, its own socket.
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --force --foreground --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed" \
  >>"$tmp/log/munged.log" 2>&1 &
pids+=($!)

cat >"$tmp/slurm.conf" <<CONF
ClusterName=realtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$tmp/slurm.conf"

for _ in $(seq 50); do [ -S "$tmp/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.socket" ] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" >>"$tmp/log/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >>"$tmp/log/slurmd.log" 2>&1 &
pids+=($!)

# The node up and idle (bounded).
for i in $(seq 120); do
  state="$(sinfo -h -n "$host" -o %t 2>/dev/null || true)"
  [ "$state" = "idle" ] && break
  [ "$i" -eq 120 ] && fail "the node is '$state' after 60 s, not idle"
  sleep 0.5
done
say "one-node cluster up ($host on 127.0.0.1) after $(($(date +%s) - started)) s"

out="$tmp/out"
submitted="$(REAL_GPUS=0 REAL_CPUS=1 scripts/slurm/submit.sh 2 public/samples public/models/real-demo-v1 "$out")"
say "$submitted"
array="$(sed -E 's/^array ([0-9]+) .*/\1/' <<<"$submitted")"
merge="$(sed -E 's/.*merge ([0-9]+) .*/\1/' <<<"$submitted")"

# One process, meanwhile: the reference.
npm run --silent real -- eval public/samples --model public/models/real-demo-v1 >"$tmp/one.json" 2>"$tmp/log/one.log" &
one=$!

# Wait for the merge (bounded), then check every job's state.
for i in $(seq 600); do
  st="$(scontrol -o show job "$merge" 2>/dev/null | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p')"
  case "$st" in COMPLETED) break ;; FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
    fail "the merge job is $st" ;; esac
  [ "$i" -eq 600 ] && fail "the merge job is still '$st' after 300 s"
  sleep 0.5
done
states="$(scontrol -o show job "$array" | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p' | sort | uniq -c | xargs)"
[ "$states" = "2 COMPLETED" ] || fail "the array's tasks: $states (expected 2 COMPLETED)"
wait "$one" || fail "the one-process real eval failed: $(tail -n 3 "$tmp/log/one.log")"

for f in summary.shard-0-of-2.jsonl summary.shard-1-of-2.jsonl report.shard-0-of-2.json summary.jsonl report.json; do
  [ -s "$out/$f" ] || fail "$out/$f is missing"
done
cmp -s "$out/report.json" "$tmp/one.json" || {
  diff <(head -c 4000 "$out/report.json") <(head -c 4000 "$tmp/one.json") >&2 || true
  fail "the merged report differs from one process's"
}
traces="$(find "$out" -name '*.json' ! -name 'report*' | wc -l)"
[ "$traces" -eq 100 ] || fail "$traces traces in $out, expected 100"
say "ok: 2 shards (array $array) and the merge (job $merge) completed; the merged report equals one process's"
