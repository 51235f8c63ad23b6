"""Golden outputs from PyTorch fp32 for 3 shipped samples, plus fp32 greedy tokens for every
sample (the reference for the quantized-ONNX agreement check).
usage: golden.py CKPT SAMPLES_DIR OUT_DIR"""
import json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from evaluate import load_set, generate
from model import load_vlm

ckpt, samples, out = sys.argv[1:4]
torch.set_num_threads(1)
os.makedirs(out, exist_ok=True)
model = load_vlm(ckpt)
imgs, masks, meta, idx = load_set(samples)
# all samples, batch 1 (same shapes as the ONNX run)
ref = {}
for i, e in enumerate(idx):
    toks, rows, prow, pyes = generate(model, torch.from_numpy(preprocess(imgs[i:i + 1])), max_new=48)
    ref[e["id"]] = {"tokens": toks[0], "texts": [VOCAB[t] for t in toks[0]], "pYes": pyes[0]}
json.dump(ref, open(os.path.join(out, "fp32_answers.json"), "w"))
# golden: first two anomalous samples whose answer is right, and the first normal one
pick = [e for e in idx if e["label"] == 1 and "yes" in " ".join(ref[e["id"]]["texts"])][:2] + \
       [e for e in idx if e["label"] == 0 and "\u2581no" in ref[e["id"]]["texts"]][:1]
cases = []
for e in pick:
    i = idx.index(e)
    toks, rows, prow, pyes = generate(model, torch.from_numpy(preprocess(imgs[i:i + 1])), max_new=48)
    att = [[[round(float(v), 6) for v in prow[0][l]] for l in range(prow.shape[1])]]
    PL = len(prompt_ids())
    for k, r in enumerate(rows[0]):
        att.append([[round(float(v), 6) for v in r[l][:PL + k + 1]] for l in range(r.shape[0])])
    cases.append({"image": e["image"], "id": e["id"], "label": e["label"],
                  "torch": {"tokens": toks[0], "texts": [VOCAB[t] for t in toks[0]], "pYes": pyes[0], "attention": att}})
tt = target_text("metal", "scratch", ("upper", "left"))
rt_ids = [THINK] + words_to_ids("the surface is metal . there is a thin scratch in the upper left .".split()) + \
    [ETHINK, ANS, TOK["\u2581yes"], EANS, EOS]
golden = {
    "model": "real-demo-v1",
    "preprocessing": "PNG decoded to RGB uint8 (the sample PNGs are exactly 96x96, no resize), x*(1/255), (x-mean)/std per channel with the manifest's mean/std, NCHW float32",
    "promptInputIds": prompt_ids(),
    "roundTrip": {"text": tt, "ids": rt_ids},
    "calls": "attention[c][l]: decoder_attentions.l of decoder call c (c=0 prefill: last prompt row; c=k>=1: the call whose input is generated token k-1, i.e. that token's own row; the last call is the extra step after <eos>)",
    "tolerance": {"attention": 6e-2, "tokens": "exact", "note": "int8-weight ONNX (onnxruntime-web wasm) vs PyTorch fp32; each case's measured max abs diff is its onnxWasmInt8.attentionMaxAbsDiff (written by verify-onnx.mjs --write)"},
    "cases": cases,
}
json.dump(golden, open(os.path.join(out, "golden.json"), "w"))
print("golden cases:", [c["id"] for c in cases], "size", os.path.getsize(os.path.join(out, "golden.json")))
