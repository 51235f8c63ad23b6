"""No-model floors for the pixel AUROC the model card reports: what a map that knows nothing of
the reasoning scores on the same pooled pixels (anomalous held-out images, 96x96).
  colour deviation: |pixel - the image's median colour| (L2 over RGB), at full resolution and
    averaged into the 12x12 grid then upsampled bilinearly like the model's maps;
  centre blob: a Gaussian at the image centre (sigma = a quarter of the side).
usage: baselines.py SAMPLES_DIR"""
import os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import GRID, IMG
from evaluate import auroc, load_set, upsample

imgs, masks, meta, _ = load_set(sys.argv[1])
an = [i for i, m in enumerate(meta) if m["defect"]]
lab = np.concatenate([masks[i].reshape(-1) for i in an])
dev_full, dev_grid, blob = [], [], []
yy, xx = np.mgrid[0:IMG, 0:IMG]
g = np.exp(-((yy - IMG / 2 + 0.5) ** 2 + (xx - IMG / 2 + 0.5) ** 2) / (2 * (IMG / 4) ** 2))
for i in an:
    x = imgs[i].astype(np.float32) / 255
    d = np.sqrt(((x - np.median(x.reshape(-1, 3), 0)) ** 2).sum(-1))
    dev_full.append(d.reshape(-1))
    cell = IMG // GRID
    dev_grid.append(upsample(d.reshape(GRID, cell, GRID, cell).mean((1, 3))).reshape(-1))
    blob.append(g.reshape(-1))
for name, maps in [("colour deviation, full resolution", dev_full), ("colour deviation, 12x12 grid", dev_grid),
                   ("centre blob", blob)]:
    print(f"{name:36s} pixel AUROC (anomalous images) {auroc(np.concatenate(maps), lab):.3f}")
