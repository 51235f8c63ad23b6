"""Write the held-out evaluation set to public/samples/ (seed 2026, never used in training;
training uses seeds 1001-1004, development validation seed 7).
usage: make_samples.py OUT_DIR [N]"""
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import make_dataset
from evaluate import png_bytes

out = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
os.makedirs(os.path.join(out, "eval"), exist_ok=True)
imgs, masks, meta = make_dataset(2026, n)
index = []
for i in range(n):
    m = meta[i]
    sid = f"{i:03d}_{m['texture']}_{m['defect'] or 'normal'}"
    open(os.path.join(out, "eval", sid + ".png"), "wb").write(png_bytes(imgs[i]))
    mp = None
    if m["defect"]:
        mp = f"eval/{sid}_mask.png"
        open(os.path.join(out, mp), "wb").write(png_bytes(masks[i] * 255))
    index.append({"id": sid, "image": f"eval/{sid}.png", "mask": mp, "label": 1 if m["defect"] else 0,
                  "texture": m["texture"], "defect": m["defect"],
                  "location": " ".join(m["location"]) if m["location"] else None})
json.dump(index, open(os.path.join(out, "index.json"), "w"), indent=1)
print("wrote", n, "samples to", out)
