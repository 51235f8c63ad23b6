"""Shared definitions for the real-demo-v1 pipeline: vocabulary, prompt, target texts,
and the synthetic data generator (real skimage texture photos + procedural textures,
one synthetic defect with its pixel mask on half of the images)."""
import numpy as np

IMG = 96          # model input size (square)
GRID = 12         # 12x12 patch tokens (8 px cells)
QUESTION = "Are there any defects or anomalies in the image?"

TEXTURES = ["brick", "grass", "gravel", "fabric", "metal", "wood", "carpet", "tiles"]
DEFECTS = ["scratch", "crack", "hole", "stain", "missing"]
# defect -> (adjective, noun) as written in the reasoning
DEFECT_WORDS = {"scratch": ("thin", "scratch"), "crack": ("jagged", "crack"),
                "hole": ("round", "hole"), "stain": ("dark", "stain"),
                "missing": ("missing", "piece")}
ROWS = ["upper", "middle", "lower"]
COLS = ["left", "center", "right"]

# ---------------------------------------------------------------- vocabulary
SPECIAL = ["<pad>", "<eos>", "<unk>", "<user>", "<assistant>", "<image>",
           "<think>", "</think>", "<answer>", "</answer>"]
WORDS = (["Are", "there", "any", "defects", "or", "anomalies", "in", "the", "image",
          "surface", "is", "a", ".", "pattern", "even", "with", "no", "marks", "yes",
          "and", "of", "defect", "anomaly"]
         + TEXTURES + [w for d in DEFECTS for w in DEFECT_WORDS[d]] + ROWS + COLS)
_seen = set()
WORDS = [w for w in WORDS if not (w in _seen or _seen.add(w))]
# single characters (with and without the word marker) so any text tokenizes
CHARS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"-()/")
VOCAB = list(SPECIAL) + ["\u2581" + w for w in WORDS] + ["?", "\u2581"] + \
    [c for c in CHARS if c != "?"] + ["\u2581" + c for c in CHARS]
_v2 = []
for t in VOCAB:
    if t not in _v2:
        _v2.append(t)
VOCAB = _v2
TOK = {t: i for i, t in enumerate(VOCAB)}
PAD, EOS, USER, ASSIST, IMAGE = TOK["<pad>"], TOK["<eos>"], TOK["<user>"], TOK["<assistant>"], TOK["<image>"]
THINK, ETHINK, ANS, EANS = TOK["<think>"], TOK["</think>"], TOK["<answer>"], TOK["</answer>"]
NTOK = GRID * GRID
IMG_START = 1                   # <user> at 0, image tokens at 1..144
IMG_END = IMG_START + NTOK      # first position after the image

CHAT_TEMPLATE = ("{%- for message in messages -%}{%- if message['role'] == 'user' -%}<user>"
                 "{%- if message['content'] is string -%}{{ message['content'] }}{%- else -%}"
                 "{%- for c in message['content'] -%}{%- if c['type'] == 'image' -%}<image>"
                 "{%- elif c['type'] == 'text' -%}{{ c['text'] }}{%- endif -%}{%- endfor -%}{%- endif -%}"
                 "{%- else -%}<assistant>{%- if message['content'] is string -%}{{ message['content'] }}{%- endif -%}<eos>"
                 "{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}<assistant>{%- endif -%}")


def words_to_ids(words):
    return [TOK["\u2581" + w] for w in words]


def prompt_ids():
    """[<user>] [144 x <image>] [question tokens] [<assistant>] (the expanded prompt)."""
    q = QUESTION[:-1].split(" ")
    return [USER] + [IMAGE] * NTOK + words_to_ids(q) + [TOK["?"], ASSIST]


def target_words(texture, defect, loc):
    """Returns list of (token_id, role). role: 'txt' texture sentence, 'def' defect-describing
    token (its next word depends on the defect's presence/appearance/place), 'nrm' normal
    reasoning, 'spec' special/answer tokens."""
    out = [(THINK, "spec")]
    for w in ["the", "surface", "is", texture, "."]:
        out.append((TOK["\u2581" + w], "txt"))
    if defect is None:
        for w in ["the", "pattern", "is", "even", "with", "no", "marks", "."]:
            out.append((TOK["\u2581" + w], "nrm"))
        ans = "no"
    else:
        adj, noun = DEFECT_WORDS[defect]
        ws = ["there", "is", "a", adj, noun, "in", "the", loc[0], loc[1], "."]
        for w in ws:
            out.append((TOK["\u2581" + w], "def"))
        ans = "yes"
    out += [(ETHINK, "spec"), (ANS, "spec"), (TOK["\u2581" + ans], "ans"), (EANS, "spec"), (EOS, "spec")]
    return out


def target_text(texture, defect, loc):
    if defect is None:
        r = f"the surface is {texture} . the pattern is even with no marks ."
        a = "no"
    else:
        adj, noun = DEFECT_WORDS[defect]
        r = f"the surface is {texture} . there is a {adj} {noun} in the {loc[0]} {loc[1]} ."
        a = "yes"
    return f"<think> {r}</think><answer> {a}</answer><eos>"


# ---------------------------------------------------------------- textures
_photo_cache = {}


def _photos():
    if not _photo_cache:
        import skimage.data as d
        for n in ["brick", "grass", "gravel"]:
            im = getattr(d, n)().astype(np.float32) / 255.0
            if im.ndim == 3:
                im = im.mean(-1)
            _photo_cache[n] = im
    return _photo_cache


def _smooth_noise(rng, h, w, scale):
    gh, gw = max(2, h // scale + 2), max(2, w // scale + 2)
    g = rng.standard_normal((gh, gw)).astype(np.float32)
    from scipy.ndimage import zoom
    z = zoom(g, (h / (gh - 1) * 1.0, w / (gw - 1) * 1.0), order=3)
    return z[:h, :w]


def _norm01(x):
    x = x - x.min()
    return x / (x.max() + 1e-6)


def _tint(gray, rng, base=None):
    if base is None:
        base = rng.uniform(0.25, 0.85, 3)
    c = np.asarray(base, np.float32)
    img = gray[..., None] * (0.55 + 0.9 * c[None, None, :])
    return img


def make_texture(rng, name, S=IMG):
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    if name in ("brick", "grass", "gravel"):
        ph = _photos()[name]
        scale = rng.uniform(0.6, 1.4)
        crop = int(S / scale * 2)  # photos are 512px; use a 2x-ish area then resize
        crop = min(crop, ph.shape[0] - 1)
        y0 = rng.integers(0, ph.shape[0] - crop)
        x0 = rng.integers(0, ph.shape[1] - crop)
        from skimage.transform import resize
        g = resize(ph[y0:y0 + crop, x0:x0 + crop], (S, S), order=1, anti_aliasing=True).astype(np.float32)
        if rng.random() < 0.5:
            g = g.T.copy() if name != "brick" else g
        g = (g - g.mean()) / (g.std() + 1e-6) * 0.16 + 0.5
        base = {"brick": [0.75, 0.4, 0.3], "grass": [0.35, 0.65, 0.3], "gravel": [0.55, 0.53, 0.5]}[name]
        base = np.clip(np.array(base) + rng.normal(0, 0.06, 3), 0.1, 0.95)
        img = _tint(g, rng, base)
    elif name == "fabric":
        p = rng.uniform(3.0, 5.0)
        ang = rng.uniform(-0.2, 0.2)
        u = xx * np.cos(ang) + yy * np.sin(ang)
        v = -xx * np.sin(ang) + yy * np.cos(ang)
        a = np.sin(2 * np.pi * u / p)
        b = np.sin(2 * np.pi * v / p)
        weave = np.where(((np.floor(u / p) + np.floor(v / p)) % 2) == 0, a, b)
        g = 0.5 + 0.18 * weave + 0.05 * _smooth_noise(rng, S, S, 16)
        img = _tint(g, rng)
    elif name == "metal":
        ang = rng.uniform(0, np.pi)
        n = rng.standard_normal((S * 2, 1)).astype(np.float32)
        from scipy.ndimage import gaussian_filter1d, rotate
        streak = np.repeat(gaussian_filter1d(n[:, 0], 0.8)[:, None], S * 2, 1)
        streak = streak + 0.3 * rng.standard_normal((S * 2, S * 2)).astype(np.float32)
        from scipy.ndimage import uniform_filter1d
        streak = uniform_filter1d(streak, 9, axis=1)
        streak = rotate(streak, np.degrees(ang), reshape=False, order=1)[S // 2:S // 2 + S, S // 2:S // 2 + S]
        g = 0.55 + 0.08 * streak / (streak.std() + 1e-6) + 0.06 * _smooth_noise(rng, S, S, 48)
        c = rng.uniform(0.5, 0.7)
        img = np.repeat(g[..., None], 3, -1) * np.array([c, c, c * rng.uniform(0.95, 1.1)], np.float32) * 1.3
    elif name == "wood":
        ang = rng.uniform(-0.3, 0.3) + (np.pi / 2 if rng.random() < 0.5 else 0)
        u = xx * np.cos(ang) + yy * np.sin(ang)
        warp = 6 * _smooth_noise(rng, S, S, 40)
        rings = np.sin(2 * np.pi * (u + warp) / rng.uniform(5, 9))
        g = 0.5 + 0.15 * rings + 0.04 * _smooth_noise(rng, S, S, 6)
        base = np.clip(np.array([0.7, 0.48, 0.3]) + rng.normal(0, 0.06, 3), 0.1, 0.95)
        img = _tint(g, rng, base)
    elif name == "carpet":
        n = rng.standard_normal((S, S)).astype(np.float32)
        from scipy.ndimage import gaussian_filter
        g = gaussian_filter(n, 0.7)
        g = 0.5 + 0.22 * g / (g.std() + 1e-6) * 0.6 + 0.08 * _smooth_noise(rng, S, S, 24)
        img = _tint(g, rng)
    elif name == "tiles":
        p = rng.uniform(14, 24)
        ox, oy = rng.uniform(0, p, 2)
        gx = np.abs(((xx + ox) % p) - p / 2)
        gy = np.abs(((yy + oy) % p) - p / 2)
        grout = (np.minimum(p / 2 - gx, p / 2 - gy) < 1.2).astype(np.float32)
        g = 0.62 + 0.03 * _smooth_noise(rng, S, S, 30) - 0.3 * grout
        img = _tint(g, rng)
    else:
        raise ValueError(name)
    img = img * rng.uniform(0.85, 1.15) + rng.normal(0, 0.012, img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


# ---------------------------------------------------------------- defects
def _draw_line(mask, p0, p1, width):
    S = mask.shape[0]
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    p0 = np.asarray(p0, np.float32); p1 = np.asarray(p1, np.float32)
    d = p1 - p0
    L2 = max(float((d ** 2).sum()), 1e-6)
    t = np.clip(((xx - p0[0]) * d[0] + (yy - p0[1]) * d[1]) / L2, 0, 1)
    dist = np.sqrt((xx - p0[0] - t * d[0]) ** 2 + (yy - p0[1] - t * d[1]) ** 2)
    m = np.clip(width / 2 + 0.5 - dist, 0, 1)
    np.maximum(mask, m, out=mask)


def make_defect(rng, img, kind, cell):
    """Adds one defect centred in the 3x3 region `cell`=(r,c). Returns (img, mask uint8 0/1)."""
    S = img.shape[0]
    third = S / 3
    cy = (cell[0] + rng.uniform(0.3, 0.7)) * third
    cx = (cell[1] + rng.uniform(0.3, 0.7)) * third
    soft = np.zeros((S, S), np.float32)
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    out = img.copy()
    if kind == "scratch":
        L = rng.uniform(14, 24)
        a = rng.uniform(0, np.pi)
        d = np.array([np.cos(a), np.sin(a)]) * L / 2
        _draw_line(soft, (cx - d[0], cy - d[1]), (cx + d[0], cy + d[1]), rng.uniform(1.0, 2.0))
        col = np.array([0.95, 0.95, 0.95]) if rng.random() < 0.6 else np.array([0.08, 0.08, 0.08])
        out = out * (1 - soft[..., None] * 0.9) + col * soft[..., None] * 0.9
    elif kind == "crack":
        pts = [np.array([cx, cy])]
        a = rng.uniform(0, 2 * np.pi)
        for direction in (1, -1):
            p = np.array([cx, cy]); ang = a if direction == 1 else a + np.pi
            for _ in range(rng.integers(3, 5)):
                ang += rng.uniform(-0.9, 0.9)
                q = p + np.array([np.cos(ang), np.sin(ang)]) * rng.uniform(3, 6)
                _draw_line(soft, p, q, rng.uniform(1.2, 2.2))
                p = q
        col = np.array([0.05, 0.04, 0.04])
        out = out * (1 - soft[..., None] * 0.92) + col * soft[..., None] * 0.92
    elif kind == "hole":
        r = rng.uniform(3.5, 6.5)
        dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        soft = np.clip(r + 0.5 - dist, 0, 1)
        rim = np.clip(r + 1.8 - dist, 0, 1) - soft
        out = out * (1 - rim[..., None] * 0.4) + 0.85 * rim[..., None] * 0.4
        out = out * (1 - soft[..., None]) + np.array([0.03, 0.03, 0.03]) * soft[..., None]
    elif kind == "stain":
        r = rng.uniform(6, 10)
        ang = rng.uniform(0, np.pi); e = rng.uniform(0.6, 1.0)
        u = (xx - cx) * np.cos(ang) + (yy - cy) * np.sin(ang)
        v = (-(xx - cx) * np.sin(ang) + (yy - cy) * np.cos(ang)) / e
        wob = 1.5 * _smooth_noise(rng, S, S, 6)
        dist = np.sqrt(u ** 2 + v ** 2) + wob
        soft = np.clip((r - dist) / 2.0, 0, 1)
        tint = np.array([0.25, 0.16, 0.07]) * rng.uniform(0.6, 1.1)
        out = out * (1 - soft[..., None] * 0.82) + tint * soft[..., None] * 0.82
    elif kind == "missing":
        r = rng.uniform(5, 8)
        n = rng.integers(5, 8)
        angs = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = r * rng.uniform(0.7, 1.2, n)
        from skimage.draw import polygon
        pr = cy + rad * np.sin(angs); pc = cx + rad * np.cos(angs)
        rr, cc = polygon(pr, pc, (S, S))
        soft[rr, cc] = 1.0
        from scipy.ndimage import gaussian_filter
        soft = np.clip(gaussian_filter(soft, 0.5) * 1.2, 0, 1)
        bg = np.array([0.12, 0.13, 0.15]) if rng.random() < 0.6 else np.array([0.92, 0.92, 0.9])
        out = out * (1 - soft[..., None]) + bg * soft[..., None]
    mask = (soft > 0.35).astype(np.uint8)
    return np.clip(out, 0, 1).astype(np.float32), mask


def location_of(mask):
    ys, xs = np.nonzero(mask)
    S = mask.shape[0]
    r = min(2, int(ys.mean() / (S / 3)))
    c = min(2, int(xs.mean() / (S / 3)))
    return (ROWS[r], COLS[c])


def make_sample(rng, anomalous, texture=None, defect=None):
    tex = texture or TEXTURES[rng.integers(len(TEXTURES))]
    img = make_texture(rng, tex)
    if not anomalous:
        return img, np.zeros((IMG, IMG), np.uint8), tex, None, None
    kind = defect or DEFECTS[rng.integers(len(DEFECTS))]
    cell = (rng.integers(3), rng.integers(3))
    img, mask = make_defect(rng, img, kind, cell)
    return img, mask, tex, kind, location_of(mask)


def make_dataset(seed, n):
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, IMG, IMG, 3), np.uint8)
    masks = np.zeros((n, IMG, IMG), np.uint8)
    meta = []
    for i in range(n):
        anom = (i % 2 == 1)
        tex = TEXTURES[(i // 2) % len(TEXTURES)]
        dfk = DEFECTS[(i // 2) % len(DEFECTS)] if anom else None
        img, m, tex, kind, loc = make_sample(rng, anom, tex, dfk)
        imgs[i] = np.round(img * 255).astype(np.uint8)
        masks[i] = m
        meta.append({"texture": tex, "defect": kind, "location": list(loc) if loc else None})
    return imgs, masks, meta


# ---------------------------------------------------------------- preprocessing
MEAN = [0.5, 0.5, 0.5]
STD = [0.25, 0.25, 0.25]


def preprocess(imgs_u8):
    """uint8 [N,H,W,3] -> float32 [N,3,H,W], x/255 then (x-mean)/std (the manifest's numbers)."""
    x = imgs_u8.astype(np.float32) * np.float32(1 / 255.0)
    x = (x - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
