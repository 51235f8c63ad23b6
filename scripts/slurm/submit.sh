#!/bin/bash
# Submits `real eval` as a SLURM job array of N shards and the merge that runs once every shard has
# succeeded, and prints the two job ids:
#
#   scripts/slurm/submit.sh N ROOT MODEL OUT [more real eval flags…]
#
# e.g. scripts/slurm/submit.sh 8 /data/mvtec_ad models/Qwen2.5-VL-3B-Instruct /scratch/$USER/mvtec-qwen3b
# Each shard asks for REAL_GPUS GPUs (default 1; 0 for none) with --gres=gpu:N, and REAL_CPUS cores (default
# 4); REAL_PARTITION, REAL_TIME and REAL_SBATCH_ARGS (any other sbatch flags) apply to both jobs. The merge
# uses no GPU. Progress: OUT's real-eval-<job>_<task>.out files; the result: OUT/report.json.
set -euo pipefail
if [ "$#" -lt 4 ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
n="$1" root="$2" model="$3" out="$4"
shift 4
case "$n" in '' | *[!0-9]* | 0) echo "submit.sh: N must be a whole number ≥ 1, not '$n'" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
root="$(abs "$root")" model="$(abs "$model")" out="$(abs "$out")"
mkdir -p "$out"
gpus="${REAL_GPUS:-1}"
common=(--chdir="$out" ${REAL_PARTITION:+--partition="$REAL_PARTITION"} ${REAL_TIME:+--time="$REAL_TIME"})
# shellcheck disable=SC2206 # REAL_SBATCH_ARGS is a list of flags
common+=(${REAL_SBATCH_ARGS:-})
# The jobs get this environment (sbatch --export=ALL), so flags may hold any character.
export REAL_ROOT="$root" REAL_MODEL="$model" REAL_OUT="$out" REAL_REPO="$repo" REAL_EVAL_ARGS="$*"
env=(--export=ALL)
gres=()
[ "$gpus" != 0 ] && gres=(--gres="gpu:$gpus")
array=$(sbatch --parsable "${common[@]}" "${env[@]}" --array="0-$((n - 1))" "${gres[@]}" \
  --cpus-per-task="${REAL_CPUS:-4}" "$here/eval-array.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable "${common[@]}" "${env[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  "$here/merge.sbatch")
merge="${merge%%;*}"
echo "array $array ($n shards), merge $merge (after every shard succeeded); report: $out/report.json"
