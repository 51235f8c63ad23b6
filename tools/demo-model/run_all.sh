#!/usr/bin/env bash
# One command: data -> train (no-mask shipped model + with-mask variant in parallel, then a short
# text-only run) -> evaluate
# -> export + int8 quantize -> held-out samples -> golden outputs -> onnxruntime-web checks.
# Uses Debian's python3-torch / python3-onnx (/usr/bin/python3) and node with this repo's node_modules.
# Fixed seeds: training data 1001-1004, dev validation 7, held-out samples 2026, torch seed 0.
# Training is budgeted by wall-clock (MINUTES, default 40): the learning-rate schedule is a cosine
# over that budget, so the number of steps depends on the machine's speed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/demo-model-work}"
PY="${PY:-/usr/bin/python3}"
MINUTES="${MINUTES:-40}"
PKG="$ROOT/public/models/real-demo-v1"
mkdir -p "$WORK"
cd "$HERE"
echo "[1/7] data $(date -u +%T)"
for s in 1 2 3 4; do $PY gen_data.py $((1000 + s)) 3000 "$WORK/train$s.npz" & done; wait
$PY gen_data.py 7 200 "$WORK/val.npz"
$PY make_samples.py "$ROOT/public/samples" 100
echo "[2/7] train $(date -u +%T)"
nice -n 5 $PY train.py --out "$WORK/runM" --minutes "$MINUTES" --role-loss 0.5 --mask-loss 1.0 --threads 1 --batch 32 > "$WORK/runM.log" 2>&1 &
nice -n 5 $PY train.py --out "$WORK/runNM" --minutes "$MINUTES" --role-loss 0.5 --threads 1 --batch 32 > "$WORK/runNM.log" 2>&1 &
wait
# text-loss-only comparison run (shorter, 2 threads, after the main runs)
nice -n 5 $PY train.py --out "$WORK/runTXT" --minutes "${TEXT_ONLY_MINUTES:-14}" --threads 2 --batch 32 > "$WORK/runTXT.log" 2>&1
echo "[3/7] evaluate $(date -u +%T)"
for r in runM runNM runTXT; do
  $PY evaluate.py "$WORK/$r/model.pt" "$ROOT/public/samples" --traces "$WORK/traces_$r" --json "$WORK/eval_$r.json" > /dev/null
done
echo "[4/7] export + quantize $(date -u +%T)"
$PY export.py "$WORK/runNM/model.pt" "$PKG"
echo "[5/7] golden $(date -u +%T)"
$PY golden.py "$WORK/runNM/model.pt" "$ROOT/public/samples" "$HERE/golden"
echo "[6/7] onnxruntime-web checks $(date -u +%T)"
cd "$ROOT"
node tools/demo-model/verify-onnx.mjs --write
node tools/demo-model/verify-onnx.mjs --agreement tools/demo-model/golden/fp32_answers.json > "$WORK/agreement.json"
cat "$WORK/agreement.json"
echo "[7/7] app scorer (if present) $(date -u +%T)"
for r in runM runNM runTXT; do
  npm run --silent real -- eval-traces "$WORK/traces_$r" || echo "eval-traces not available"
done
echo "done $(date -u +%T)"
