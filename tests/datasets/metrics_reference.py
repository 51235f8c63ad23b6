"""Independent reference for the evaluation's metrics (tests/eval-datasets.test.ts).

AUROC, AP and F1-max from scikit-learn; AUPRO written here from its definition
(Bergmann et al., IJCV 2021): ground-truth regions are the 8-connected
components of each image's mask (scipy.ndimage.label, a 3x3 structure);
for every distinct threshold t, FPR(t) over all normal pixels of the pool and
PRO(t) the mean over regions of the region's share scoring >= t; the curve
from (0, 0) integrated with trapezoids up to FPR 0.3 (interpolated there) and
divided by 0.3.

Input: a folder with manifest.json {"pools": [{"name", "scores", "labels",
"images": [[offset, width, height], ...]}], "image": [{"name", "scores",
"labels", "predicted"}]}; scores are float32 files, labels uint8 files.
Output: JSON {name: {auroc, ap, f1max, aupro}} on standard output.
"""
import json
import math
import os
import sys

import numpy as np
from scipy import ndimage
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score


def f1_max(labels, scores):
    precision, recall, _ = precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * precision * recall / (precision + recall)
    return float(np.nanmax(f1))


def aupro(scores, labels, images, limit=0.3):
    region = np.full(scores.shape, -1, dtype=np.int64)
    sizes = []
    for offset, width, height in images:
        mask = labels[offset : offset + width * height].reshape(height, width)
        lab, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=int))
        lab = lab.reshape(-1).astype(np.int64)
        base = len(sizes)
        region[offset : offset + width * height] = np.where(lab > 0, lab - 1 + base, -1)
        sizes.extend(np.bincount(lab, minlength=count + 1)[1:].tolist())
    if not sizes or (labels == 0).sum() == 0:
        return None
    sizes = np.array(sizes, dtype=np.float64)
    normal = float((labels == 0).sum())
    order = np.argsort(-scores.astype(np.float64), kind="stable")
    s = scores[order].astype(np.float64)
    r = region[order]
    # Per pixel: a false positive (normal) or its share of its region over the regions' count.
    fp = np.cumsum(r < 0) / normal
    pro = np.cumsum(np.where(r >= 0, 1.0 / sizes[np.maximum(r, 0)], 0.0)) / len(sizes)
    # One point per distinct threshold: the last pixel of each run of equal scores.
    last = np.r_[s[1:] != s[:-1], True]
    x = np.r_[0.0, fp[last]]
    y = np.r_[0.0, pro[last]]
    area = 0.0
    for i in range(1, len(x)):
        if x[i - 1] >= limit:
            break
        if x[i] <= limit:
            area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2
        else:
            at = y[i - 1] + (y[i] - y[i - 1]) * (limit - x[i - 1]) / (x[i] - x[i - 1])
            area += (limit - x[i - 1]) * (y[i - 1] + at) / 2
    return area / limit


def numbers(labels, scores):
    if labels.min() == labels.max():
        return {"auroc": None, "ap": None, "f1max": None}
    return {
        "auroc": float(roc_auc_score(labels, scores)),
        "ap": float(average_precision_score(labels, scores)),
        "f1max": f1_max(labels, scores),
    }


def main(folder):
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    out = {}
    for pool in manifest["pools"]:
        scores = np.fromfile(os.path.join(folder, pool["scores"]), dtype=np.float32)
        labels = np.fromfile(os.path.join(folder, pool["labels"]), dtype=np.uint8)
        out[pool["name"]] = {**numbers(labels, scores), "aupro": aupro(scores, labels, pool["images"])}
    for item in manifest["image"]:
        labels = np.array(item["labels"], dtype=np.uint8)
        scores = np.array(item["scores"], dtype=np.float64)
        acc = float(np.mean([p == l for p, l in zip(item["predicted"], item["labels"])]))
        out[item["name"]] = {**numbers(labels, scores), "acc": acc}
    json.dump(out, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1])
