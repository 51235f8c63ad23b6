"""Train real-demo-v1.
usage: train.py --out DIR --minutes M [--mask-loss W] [--role-loss W] [--threads N] [--seed S]
                [--context] [--init CKPT]
Text loss (next-token cross entropy on the target) plus optional, documented auxiliary losses on
the head- and layer-mean OWN attention rows of the target tokens:
  role loss (no masks; uses only the target text): defect-describing tokens (first '.', and
    'there is a <adj> <noun> in the <row> <col>') are pushed to put >= 0.25 of their attention on
    the prompt's anomaly words ('defects', 'anomalies') and to concentrate their image attention
    (low entropy); all other reasoning tokens are pushed to put ~0 on the anomaly words and to
    spread their image attention (high entropy).
  mask loss (uses pixel masks): the defect-describing tokens' image attention should fall on
    the 8x8-px cells covered by the defect mask (-log of that share).
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import VLM

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--data", default="/tmp/demo-model-work")
ap.add_argument("--minutes", type=float, default=40)
ap.add_argument("--mask-loss", type=float, default=0.0)
ap.add_argument("--role-loss", type=float, default=0.0)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--batch", type=int, default=48)
ap.add_argument("--lr", type=float, default=2e-3)
ap.add_argument("--context", action="store_true", help="add the stem's Context blocks (wider receptive field)")
ap.add_argument("--init", default="", help="continue from this checkpoint (new Context blocks start as identity)")
args = ap.parse_args()
torch.set_num_threads(args.threads)
# Debian's torch 1.13 oneDNN conv/BatchNorm backward now and then returns garbage (stem grads of
# 1e30 while the grad above them is 1e-4), seen as runs of skipped steps early in training from
# scratch; the native kernels do not, at the same speed here.
torch.backends.mkldnn.enabled = False
torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)
os.makedirs(args.out, exist_ok=True)

imgs, masks, metas = [], [], []
for f in sorted(os.listdir(args.data)):
    if f.startswith("train") and f.endswith(".npz"):
        z = np.load(os.path.join(args.data, f))
        imgs.append(z["imgs"]); masks.append(z["masks"]); metas += json.loads(str(z["meta"]))
imgs = np.concatenate(imgs); masks = np.concatenate(masks)
N = len(imgs)
print("train images", N, flush=True)

PROMPT = prompt_ids()
PL = len(PROMPT)
ANOM_POS = [i for i, t in enumerate(PROMPT) if VOCAB[t] in ("\u2581defects", "\u2581anomalies")]
assert VOCAB[PROMPT[ANOM_POS[0]]] == "\u2581defects" and VOCAB[PROMPT[ANOM_POS[1]]] == "\u2581anomalies", [VOCAB[PROMPT[i]] for i in ANOM_POS]
TMAX = 22


def batch(idx):
    B = len(idx)
    x = imgs[idx].copy(); m = masks[idx].copy()
    ids = np.full((B, PL + TMAX), PAD, np.int64)
    tgt = np.full((B, PL + TMAX), -100, np.int64)
    w = np.zeros((B, PL + TMAX), np.float32)
    role_d = np.zeros((B, PL + TMAX), np.float32)   # defect-describing own rows
    role_n = np.zeros((B, PL + TMAX), np.float32)   # other reasoning own rows
    cellm = np.zeros((B, GRID * GRID), np.float32)
    for j, i in enumerate(idx):
        if rng.random() < 0.5:
            x[j] = x[j][:, ::-1]; m[j] = m[j][:, ::-1]
        if rng.random() < 0.5:
            x[j] = x[j][::-1]; m[j] = m[j][::-1]
        if rng.random() < 0.5:
            x[j] = x[j].transpose(1, 0, 2); m[j] = m[j].T
        meta = metas[i]
        loc = location_of(m[j]) if meta["defect"] else None
        tw = target_words(meta["texture"], meta["defect"], loc)
        seq = PROMPT + [t for t, _ in tw]
        ids[j, :len(seq)] = seq
        # targets: token at p+1 predicted from p
        for k, (t, r) in enumerate(tw):
            p = PL - 1 + k
            tgt[j, p] = t
            w[j, p] = 4.0 if r == "ans" else 1.0
        for k, (t, r) in enumerate(tw):
            p = PL + k  # position of this token as input: its own row
            nxt = tw[k + 1][1] if k + 1 < len(tw) else "spec"
            if r in ("txt", "nrm", "def"):
                is_d = meta["defect"] is not None and (r == "def" or nxt == "def") and nxt != "spec"
                if is_d:
                    role_d[j, p] = 1
                    if r == "def" and VOCAB[t][1:] in ROWS + COLS + [w_ for d in DEFECTS for w_ in DEFECT_WORDS[d]]:
                        w[j, p - 1] = 2.0   # predicting type/location words: weight 2
                else:
                    role_n[j, p] = 1
        if meta["defect"]:
            cov = m[j].reshape(GRID, 8, GRID, 8).mean((1, 3)).reshape(-1)
            cellm[j] = (cov > 0.05).astype(np.float32)
    px = torch.from_numpy(preprocess(x))
    return (px, torch.from_numpy(ids), torch.from_numpy(tgt), torch.from_numpy(w),
            torch.from_numpy(role_d), torch.from_numpy(role_n), torch.from_numpy(cellm))


model = VLM(context=args.context)
if args.init:
    missing, unexpected = model.load_state_dict(torch.load(args.init, map_location="cpu"), strict=False)
    assert not unexpected and all(k.startswith("vision.context.") for k in missing), (missing, unexpected)
    print("continuing from", args.init, "new:", missing, flush=True)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
budget = args.minutes * 60
t0 = time.time()
step = 0
log = open(os.path.join(args.out, "train_log.txt"), "w")
LOG144 = math.log(GRID * GRID)
perm = rng.permutation(N); pi = 0
last_ckpt = t0
skipped = 0
while True:
    el = time.time() - t0
    if el > budget:
        break
    frac = el / budget
    lr = args.lr * min(1.0, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
    for g in opt.param_groups:
        g["lr"] = lr
    if pi + args.batch > N:
        perm = rng.permutation(N); pi = 0
    idx = perm[pi:pi + args.batch]; pi += args.batch
    px, ids, tgt, w, rd, rn, cellm = batch(idx)
    logits, _, probs = model.forward_full(ids, px)
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none", ignore_index=-100)
    ce = (ce * w.reshape(-1)).sum() / w.sum()
    loss = ce
    aux = {}
    if args.role_loss > 0 or args.mask_loss > 0:
        A = torch.stack(probs, 0).mean((0, 2))          # [b,s,T] mean over layers and heads
        img = A[:, :, IMG_START:IMG_END]                 # [b,s,144]
        mass = img.sum(-1, keepdim=True)
        # floor the image mass: a row that barely looks at the image would otherwise scale the
        # gradient by 1/mass and overflow the global grad norm (seen as skipped steps)
        pimg = img / mass.clamp_min(1e-3)
        ent = -(pimg * torch.log(pimg + 1e-8)).sum(-1) / LOG144   # [b,s] in [0,1]
        sT = A[:, :, ANOM_POS].sum(-1)
        nd = rd.sum().clamp(min=1); nn_ = rn.sum().clamp(min=1)
        if args.role_loss > 0:
            l_t = (F.relu(math.log(0.25) - torch.log(sT + 1e-4)) * rd).sum() / nd + \
                  (F.relu(sT - 0.02) * 10 * rn).sum() / nn_
            l_spread = ((1 - ent) * rn).sum() / nn_
            l_conc = (ent * rd).sum() / nd
            aux.update(t=l_t.item(), spread=l_spread.item(), conc=l_conc.item())
            loss = loss + args.role_loss * (l_t + l_spread + 0.3 * l_conc)
        if args.mask_loss > 0:
            onm = (pimg * cellm[:, None, :]).sum(-1)
            l_m = (-torch.log(onm + 1e-4) * rd).sum() / nd
            aux.update(mask=l_m.item())
            loss = loss + args.mask_loss * l_m
    opt.zero_grad()
    if not torch.isfinite(loss):
        skipped += 1
        print("non-finite loss at step", step, {k: v for k, v in aux.items()}, float(ce), flush=True)
        continue
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    if not torch.isfinite(gn):
        skipped += 1
        print("non-finite grad at step", step, flush=True)
        opt.zero_grad()
        continue
    opt.step()
    step += 1
    if step % 20 == 0:
        s = f"step {step} t {el:.0f}s lr {lr:.2e} ce {ce.item():.4f} " + " ".join(f"{k} {v:.3f}" for k, v in aux.items())
        print(s, flush=True); log.write(s + "\n"); log.flush()
    if time.time() - last_ckpt > 300:
        torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
        last_ckpt = time.time()
torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
json.dump({"steps": step, "skipped_nonfinite": skipped, "seconds": time.time() - t0, "args": vars(args)}, open(os.path.join(args.out, "train_info.json"), "w"))
print("done", step, flush=True)
