"""Evaluate a checkpoint: greedy answers (PyTorch fp32, KV cache), image accuracy, type/location
accuracy, the four token-selection maps of the ReAL spec (numpy re-implementation, spec
defaults, own rows, mean over layers) and their pooled pixel AUROC on the anomalous images.
usage: evaluate.py CKPT DATA.npz|samples [--traces DIR] [--json OUT] [--threads N]"""
import argparse, base64, json, math, os, struct, sys, zlib
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import load_vlm, LAYERS
from scipy.ndimage import label as cc_label

ANOM_WORDS = {"defect", "defects", "anomaly", "anomalies", "abnormal", "anomalous"}
SPECIAL_SET = set(TOK[s] for s in SPECIAL)


def png_bytes(a):
    """a: uint8 [H,W] or [H,W,3] -> PNG bytes"""
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    ct = 0 if a.ndim == 2 else 2
    bpp = 1 if a.ndim == 2 else 3
    flat = a.reshape(h, -1).astype(np.int16)
    sub = flat.copy(); sub[:, bpp:] -= flat[:, :-bpp]
    sub = (sub % 256).astype(np.uint8)   # PNG filter type 1 (Sub) on every row
    raw = b"".join(b"\x01" + sub[y].tobytes() for y in range(h))
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ct, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def data_url(a):
    return "data:image/png;base64," + base64.b64encode(png_bytes(a)).decode()


@torch.no_grad()
def generate(model, px, max_new=32):
    """batched greedy decoding. Returns per image: tokens (incl. <eos>), rows[k] = [L, k_pos+1]
    own-row attention of generated token k, prompt_rows = [L, PL] (prefill's last row),
    p_yes (probability of '▁yes' at the answer position)."""
    B = px.shape[0]
    ids = torch.tensor([prompt_ids()] * B)
    PL = ids.shape[1]
    x = model.embed_sequence(ids, px)
    am = torch.ones(B, PL, dtype=torch.long)
    pos = torch.arange(PL).unsqueeze(0).expand(B, PL)
    logits, past, probs = model.decoder(x, am, pos, model.empty_past(B))
    prompt_rows = torch.stack([p[:, :, -1].mean(1) for p in probs], 1).numpy()  # [B,L,PL]
    toks = [[] for _ in range(B)]; rows = [[] for _ in range(B)]
    p_yes = [None] * B
    done = np.zeros(B, bool); fed = np.zeros(B, bool)
    nxt = logits[:, -1].argmax(-1)
    for step in range(max_new + 1):
        for b in range(B):
            if not done[b]:
                toks[b].append(int(nxt[b]))
        cur = nxt.unsqueeze(1)
        L = PL + step
        am = torch.ones(B, L + 1, dtype=torch.long)
        pos = torch.full((B, 1), L, dtype=torch.long)
        logits, past, probs = model.decoder(model.embed(cur), am, pos, past)
        r = torch.stack([p[:, :, -1].mean(1) for p in probs], 1).numpy()  # [B,L,L+1]
        sm = torch.softmax(logits[:, -1], -1)
        for b in range(B):
            if not done[b]:
                rows[b].append(r[b])
                if toks[b][-1] == ANS and p_yes[b] is None:
                    p_yes[b] = float(sm[b, TOK["\u2581yes"]] / (sm[b, TOK["\u2581yes"]] + sm[b, TOK["\u2581no"]]))
                if toks[b][-1] == EOS or len(toks[b]) >= max_new:
                    done[b] = True
        if done.all():
            break
        nxt = logits[:, -1].argmax(-1)
    return toks, rows, prompt_rows, p_yes


def parse(toks):
    words = [VOCAB[t] for t in toks]
    out = {"answer": None, "adj": None, "noun": None, "row": None, "col": None, "texture": None}
    if "<answer>" in words:
        i = words.index("<answer>")
        if i + 1 < len(words):
            out["answer"] = words[i + 1].lstrip("\u2581")
    w = [x.lstrip("\u2581") for x in words]
    for i, x in enumerate(w):
        if x == "is" and i + 1 < len(w) and w[i + 1] in TEXTURES and out["texture"] is None:
            out["texture"] = w[i + 1]
        if x == "a" and i + 2 < len(w):
            out["adj"], out["noun"] = w[i + 1], w[i + 2]
        if x in ROWS and i + 1 < len(w):
            out["row"], out["col"] = x, w[i + 1]
    return out


# ------------------------------------------------------------ ReAL (spec defaults), numpy
def anomaly_positions(prompt):
    """prompt: list of (position, raw text). Spec's word grouping."""
    words, cur = [], None
    for pos, t in prompt:
        letters = "".join(ch for ch in t if ch.isalpha())
        if not letters:
            if cur: words.append(cur)
            cur = None
            continue
        if t[0] in (" ", "\u2581", "\u0120") or cur is None:
            if cur: words.append(cur)
            cur = [[pos], letters]
        else:
            cur[0].append(pos); cur[1] += letters
    if cur: words.append(cur)
    return [p for ps, w in words if w.lower() in ANOM_WORDS for p in ps]


def spatial_entropy(m):
    mean = m.mean()
    b = m > mean
    if not b.any():
        return math.log(m.size)
    lab, n = cc_label(b, structure=np.ones((3, 3)))
    mass = np.array([m[lab == i].sum() for i in range(1, n + 1)])
    tot = mass.sum()
    if tot <= 0:
        return math.log(m.size)
    P = mass / tot
    P = P[P > 0]
    return float(-(P * np.log(P)).sum())


def knee(v):
    v = np.sort(np.asarray(v, float)); n = len(v)
    if n < 3 or v[-1] == v[0]:
        return float(np.median(v))
    x = np.arange(n) / (n - 1); y = (v - v[0]) / (v[-1] - v[0])
    return float(v[int(np.argmax(np.abs(y - x)))])


def real_maps(trace, rows=GRID, cols=GRID):
    """returns dict of 4 grid maps for one trace (spec defaults)"""
    anom = anomaly_positions([(p["position"], p["text"]) for p in trace["prompt"]])
    gen = trace["generated"]
    texts = [g["text"] for g in gen]
    try:
        s = texts.index("<think>") + 1; e = texts.index("</think>")
        idx = list(range(s, e))
    except ValueError:
        e = texts.index("<answer>") if "<answer>" in texts else len(gen)
        idx = list(range(0, e))
    idx = [i for i in idx if not gen[i]["special"] and gen[i]["text"].replace("\u2581", "").strip() != ""]
    ip = np.array(trace["imagePositions"])
    A, ST, SI = [], [], []
    for i in idx:
        r = np.mean([np.asarray(l) for l in gen[i]["attention"]], 0)
        a = r[ip].reshape(rows, cols)
        A.append(a); ST.append(float(r[anom].sum())); SI.append(spatial_entropy(a))
    n = len(idx)
    z = np.zeros((rows, cols))
    if n == 0:
        return {k: z for k in ("mean", "si", "st", "real")}
    A = np.array(A); ST = np.array(ST); SI = np.array(SI)
    stn = (ST - ST.min()) / (ST.max() - ST.min()) if ST.max() > ST.min() else np.ones(n)
    sin = (SI.max() - SI) / (SI.max() - SI.min()) if SI.max() > SI.min() else np.ones(n)
    tt = float(np.median(stn)); ti = knee(sin)
    wt = (stn >= tt) * stn; wi = (sin >= ti) * sin
    wr = ((stn >= tt) & (sin >= ti)) * (0.5 * stn + 0.5 * sin)
    f = lambda w: (w[:, None, None] * A).sum(0)
    return {"mean": A.mean(0), "si": f(wi), "st": f(wt), "real": f(wr)}


def upsample(m, H=IMG, W=IMG):
    """bilinear, half-pixel centres (align_corners=False), edge clamped"""
    h, w = m.shape
    ys = np.clip((np.arange(H) + 0.5) * h / H - 0.5, 0, h - 1)
    xs = np.clip((np.arange(W) + 0.5) * w / W - 0.5, 0, w - 1)
    y0 = np.floor(ys).astype(int); x0 = np.floor(xs).astype(int)
    y1 = np.minimum(y0 + 1, h - 1); x1 = np.minimum(x0 + 1, w - 1)
    fy = (ys - y0)[:, None]; fx = (xs - x0)[None, :]
    a = m[y0][:, x0]; b = m[y0][:, x1]; c = m[y1][:, x0]; d = m[y1][:, x1]
    return (a * (1 - fy) * (1 - fx) + b * (1 - fy) * fx + c * fy * (1 - fx) + d * fy * fx)


def auroc(scores, labels):
    from scipy.stats import rankdata
    s = np.asarray(scores, float); l = np.asarray(labels).astype(bool)
    npos = l.sum(); nneg = (~l).sum()
    if npos == 0 or nneg == 0:
        return float("nan")
    r = rankdata(s)
    return float((r[l].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def make_trace(toks, rows, prompt_rows, name="real-demo-v1"):
    P = prompt_ids(); PL = len(P)
    prompt = [{"position": i, "text": VOCAB[t]} for i, t in enumerate(P) if t != IMAGE]
    gen = []
    for k, (t, r) in enumerate(zip(toks, rows)):
        pos = PL + k
        gen.append({"position": pos, "text": VOCAB[t], "special": t in SPECIAL_SET,
                    "attention": [[round(float(v), 6) for v in r[l][:pos + 1]] for l in range(r.shape[0])]})
    return {"format": "real-trace", "version": 1, "model": name, "grid": {"rows": GRID, "cols": GRID},
            "imagePositions": list(range(IMG_START, IMG_END)), "prompt": prompt, "generated": gen,
            "promptAttention": [[round(float(v), 6) for v in prompt_rows[l]] for l in range(prompt_rows.shape[0])]}


def load_set(path):
    if path.endswith(".npz"):
        z = np.load(path)
        return z["imgs"], z["masks"], json.loads(str(z["meta"])), None
    # a samples folder with index.json
    from skimage.io import imread
    idx = json.load(open(os.path.join(path, "index.json")))
    imgs, masks, meta = [], [], []
    for e in idx:
        imgs.append(imread(os.path.join(path, e["image"]))[..., :3])
        masks.append((imread(os.path.join(path, e["mask"])) > 127).astype(np.uint8) if e["mask"] else np.zeros((IMG, IMG), np.uint8))
        meta.append({"texture": e["texture"], "defect": e["defect"], "location": e["location"].split(" ") if e["location"] else None, "id": e["id"]})
    return np.array(imgs), np.array(masks), meta, idx


def evaluate(model, imgs, masks, meta, traces_dir=None, bs=50, ids=None):
    res = []
    maps = {k: [] for k in ("mean", "si", "st", "real")}
    pix_labels = []
    yes_scores, labels = [], []
    for s in range(0, len(imgs), bs):
        px = torch.from_numpy(preprocess(imgs[s:s + bs]))
        toks, rows, prow, pyes = generate(model, px)
        for b in range(len(toks)):
            i = s + b
            mt = meta[i]
            p = parse(toks[b])
            y = 1 if mt["defect"] else 0
            pred = 1 if p["answer"] == "yes" else 0
            r = {"i": i, "label": y, "pred": pred, "text": " ".join(VOCAB[t] for t in toks[b]),
                 "p_yes": pyes[b], "tokens": toks[b]}
            if y:
                adj, noun = DEFECT_WORDS[mt["defect"]]
                r["type_ok"] = p["adj"] == adj and p["noun"] == noun
                r["loc_ok"] = [p["row"], p["col"]] == list(mt["location"])
            r["tex_ok"] = p["texture"] == mt["texture"]
            tr = make_trace(toks[b], rows[b], prow[b])
            tr["label"] = y
            if traces_dir:
                t2 = dict(tr)
                t2["mask"] = data_url(masks[i] * 255)
                t2["image"] = data_url(imgs[i])
                t2["answerProbability"] = pyes[b]
                nm = (ids[i] if ids else f"{i:04d}")
                json.dump(t2, open(os.path.join(traces_dir, nm + ".json"), "w"))
            if y:
                mp = real_maps(tr)
                for k in maps:
                    maps[k].append(upsample(mp[k]).ravel())
                pix_labels.append(masks[i].ravel())
            yes_scores.append(pyes[b] if pyes[b] is not None else 0.5); labels.append(y)
            res.append(r)
    an = [r for r in res if r["label"]]
    out = {"n": len(res), "n_anomalous": len(an),
           "image_accuracy": float(np.mean([r["pred"] == r["label"] for r in res])),
           "acc_anomalous": float(np.mean([r["pred"] for r in an])) if an else None,
           "acc_normal": float(np.mean([1 - r["pred"] for r in res if not r["label"]])),
           "image_auroc": auroc(yes_scores, labels),
           "type_ok": float(np.mean([r["type_ok"] for r in an])),
           "loc_ok": float(np.mean([r["loc_ok"] for r in an])),
           "type_and_loc_ok": float(np.mean([r["type_ok"] and r["loc_ok"] for r in an])),
           "texture_ok": float(np.mean([r["tex_ok"] for r in res]))}
    if an:
        lab = np.concatenate(pix_labels)
        for k in maps:
            out["pixel_auroc_" + k] = auroc(np.concatenate(maps[k]), lab)
    return out, res


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt"); ap.add_argument("data")
    ap.add_argument("--traces"); ap.add_argument("--json"); ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = load_vlm(a.ckpt)
    imgs, masks, meta, idx = load_set(a.data)
    if a.n:
        imgs, masks, meta = imgs[:a.n], masks[:a.n], meta[:a.n]
    if a.traces:
        os.makedirs(a.traces, exist_ok=True)
    out, res = evaluate(model, imgs, masks, meta, a.traces, ids=[m.get("id") for m in meta] if idx else None)
    print(json.dumps(out, indent=1))
    if a.json:
        json.dump({"metrics": out, "per_image": [{k: v for k, v in r.items() if k != "tokens"} for r in res]}, open(a.json, "w"), indent=1)
