"""Generate a split to .npz: python gen_data.py SEED N OUT.npz"""
import sys, json, numpy as np
from common import make_dataset
seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
imgs, masks, meta = make_dataset(seed, n)
np.savez_compressed(out, imgs=imgs, masks=masks, meta=json.dumps(meta))
print("wrote", out, imgs.shape)
