#!/usr/bin/env bash
# One command: data -> train -> evaluate -> export + int8 quantize -> golden outputs ->
# onnxruntime-web checks -> the app's scorer.
# Uses Debian's python3-torch / python3-onnx (/usr/bin/python3) and node with this repo's node_modules.
# Fixed seeds: training data 1001-1004, dev validation 7, held-out samples 2026, torch seed 0.
# Training is budgeted by wall-clock (MINUTES, default 95): the learning-rate schedule is a cosine
# over that budget, so the number of steps depends on the machine's speed (about 1.2 s a step on
# one core of this 2-core machine with nothing else running).
# FROM=evaluate (or export, golden, check, score) skips the stages before it, reusing $WORK.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/demo-model-work}"
PY="${PY:-/usr/bin/python3}"
MINUTES="${MINUTES:-95}"
FROM="${FROM:-data}"
RUN="$WORK/run"
PKG="$ROOT/public/models/real-demo-v1"
STAGES=(data train evaluate export golden check score)
start=0
for i in "${!STAGES[@]}"; do [[ "${STAGES[$i]}" == "$FROM" ]] && start=$i; done
want() { for i in "${!STAGES[@]}"; do [[ "${STAGES[$i]}" == "$1" ]] && (( i >= start )) && return 0; done; return 1; }
mkdir -p "$WORK"
cd "$HERE"
if want data; then
  echo "[data] $(date -u +%T)"
  for s in 1 2 3 4; do $PY gen_data.py $((1000 + s)) 3000 "$WORK/train$s.npz" & done; wait
  $PY gen_data.py 7 200 "$WORK/val.npz"
  $PY make_samples.py "$ROOT/public/samples" 100
fi
if want train; then
  echo "[train] $(date -u +%T)"
  # the shipped recipe: text + role losses (no pixel masks), the stem's Context blocks, one thread
  $PY train.py --out "$RUN" --minutes "$MINUTES" --role-loss 0.5 --context --threads 1 --batch 32 > "$WORK/run.log" 2>&1
fi
if want evaluate; then
  echo "[evaluate] $(date -u +%T)"
  $PY evaluate.py "$RUN/model.pt" "$WORK/val.npz" --json "$WORK/eval_dev.json" > /dev/null
  $PY evaluate.py "$RUN/model.pt" "$ROOT/public/samples" --traces "$WORK/traces" --json "$WORK/eval_heldout.json" > /dev/null
fi
if want export; then
  echo "[export + quantize] $(date -u +%T)"
  $PY export.py "$RUN/model.pt" "$PKG"
fi
if want golden; then
  echo "[golden] $(date -u +%T)"
  $PY golden.py "$RUN/model.pt" "$ROOT/public/samples" "$HERE/golden"
fi
if want check; then
  echo "[onnxruntime-web checks] $(date -u +%T)"
  (cd "$ROOT" && node tools/demo-model/verify-onnx.mjs --write)
  (cd "$ROOT" && node tools/demo-model/verify-onnx.mjs --agreement tools/demo-model/golden/fp32_answers.json) > "$WORK/agreement.json"
  cat "$WORK/agreement.json"
fi
if want score; then
  echo "[app scorer] $(date -u +%T)"
  (cd "$ROOT" && npm run --silent real -- eval-traces "$WORK/traces") > "$WORK/app_eval.txt" 2>&1
  head -n 8 "$WORK/app_eval.txt"
fi
echo "done $(date -u +%T)"
