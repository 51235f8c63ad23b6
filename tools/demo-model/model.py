"""real-demo-v1: a tiny MLLM shaped like Qwen2-VL's ONNX export.
vision encoder (local conv stem, BatchNorm, optional Context blocks, 12x12 patch grid) -> MLP projector -> LayerNorm
-> + fixed 2-D sinusoidal position -> image tokens; causal pre-LN decoder with KV cache over
[<user> ; image tokens ; question ; <assistant> ; generated]. Image tokens attend only to
position 0 and themselves (no mixing across patches); text attends causally to everything."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import GRID, IMG_START, IMG_END, VOCAB

D = 128
HEADS = 4
HD = D // HEADS
LAYERS = 4
MLP = 256
MAXPOS = 256
NEG = -1e9


def pos2d(grid, dim):
    """fixed 2-D sinusoidal embedding [grid*grid, dim]: first half encodes the row, second the column"""
    half = dim // 2
    nf = half // 2
    freqs = torch.exp(torch.arange(nf, dtype=torch.float32) * (-math.log(30.0) / max(nf - 1, 1))) * 1.5
    idx = torch.arange(grid, dtype=torch.float32)
    ang = idx[:, None] * freqs[None, :]
    e = torch.cat([torch.sin(ang), torch.cos(ang)], 1)  # [grid, half]
    rows = e[:, None, :].expand(grid, grid, half)
    cols = e[None, :, :].expand(grid, grid, half)
    return torch.cat([rows, cols], -1).reshape(grid * grid, dim)


class Context(nn.Module):
    """residual depthwise 3x3 -> GELU -> pointwise block: widens a stem stage's receptive field by
    one pixel of that stage on each side (local: no mixing beyond neighbouring cells). The
    pointwise conv starts at zero, so adding the block to a trained stem keeps its function."""
    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, 1, 1, groups=c)
        self.pw = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.pw.weight); nn.init.zeros_(self.pw.bias)

    def forward(self, x):
        return x + self.pw(F.gelu(self.dw(x)))


# stem stage index -> channels of the Context block that follows it (48 ch at 48x48, 96 at 24x24):
# the patch token's receptive field grows from 10 px to 22 px (its 8 px cell and 7 px around it)
CONTEXT_AFTER = {1: 48, 2: 96}


class Vision(nn.Module):
    def __init__(self, context=False):
        super().__init__()
        def blk(i, o, k, s, p=0):
            return nn.Sequential(nn.Conv2d(i, o, k, s, p, bias=False), nn.BatchNorm2d(o), nn.GELU())
        self.stem = nn.Sequential(blk(3, 24, 3, 1, 1), blk(24, 48, 2, 2), blk(48, 96, 2, 2),
                                  blk(96, 128, 2, 2), blk(128, 128, 1, 1))
        self.proj = nn.Sequential(nn.Linear(256, D), nn.GELU(), nn.Linear(D, D))
        self.ln = nn.LayerNorm(D)
        self.register_buffer("pos", pos2d(GRID, D))
        self.pos_scale = nn.Parameter(torch.tensor(1.0))
        self.anom_vec = nn.Parameter(torch.randn(D) * 0.5)
        self.context = nn.ModuleDict({str(i): Context(c) for i, c in CONTEXT_AFTER.items()}) if context else None

    def forward(self, pixel_values):
        f = pixel_values
        for i, stage in enumerate(self.stem):
            f = stage(f)
            if self.context is not None and str(i) in self.context:
                f = self.context[str(i)](f)                  # -> [b,128,12,12] after the last stage
        # per-image deviation of each patch from the image's mean patch (one global statistic;
        # the patch token still carries only its own neighbourhood's evidence)
        mu = f.mean((2, 3), keepdim=True)
        sd = torch.sqrt(((f - mu) ** 2).mean((2, 3), keepdim=True) + 1e-5)
        dev = (f - mu) / sd
        # parameter-free outlier score of each patch: RMS of its standardised deviation (mean 1 over
        # the patches of an image by construction; large where the patch is unlike the rest)
        score = torch.sqrt((dev ** 2).mean(1) + 1e-6).flatten(1).unsqueeze(-1)   # [b,144,1]
        f = torch.cat([f, dev], 1)                       # [b,256,12,12]
        f = f.flatten(2).transpose(1, 2)                 # [b,144,256] row-major
        return self.ln(self.proj(f)) + self.pos_scale * self.pos + (score - 1.0) * self.anom_vec


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.o = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.fc1 = nn.Linear(D, MLP)
        self.fc2 = nn.Linear(MLP, D)

    def forward(self, x, mask_add, pk, pv):
        b, s, _ = x.shape
        h = self.ln1(x)
        q, k, v = self.qkv(h).split(D, dim=-1)
        q = q.reshape(b, s, HEADS, HD).transpose(1, 2)
        k = k.reshape(b, s, HEADS, HD).transpose(1, 2)
        v = v.reshape(b, s, HEADS, HD).transpose(1, 2)
        k = torch.cat([pk, k], 2)
        v = torch.cat([pv, v], 2)
        att = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(HD)) + mask_add
        p = torch.softmax(att, -1)
        y = torch.matmul(p, v).transpose(1, 2).reshape(b, s, D)
        x = x + self.o(y)
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x, k, v, p


def build_mask(attention_mask, position_ids):
    """additive mask [b,1,s,T] from tensor ops only (no python shape arithmetic)"""
    kpos = torch.cumsum(attention_mask, -1) - 1                  # [b,T]
    qp = position_ids.unsqueeze(-1)                             # [b,s,1]
    kp = kpos.unsqueeze(1)                                      # [b,1,T]
    allowed = (kp <= qp) & (attention_mask.unsqueeze(1) > 0)
    img_q = (qp >= IMG_START) & (qp < IMG_END)
    img_k = (kp >= IMG_START) & (kp < IMG_END)
    blocked = img_q & img_k & (kp != qp)
    allowed = allowed & (~blocked)
    zero = torch.zeros((), dtype=torch.float32)
    neg = torch.full((), NEG, dtype=torch.float32)
    return torch.where(allowed, zero, neg).unsqueeze(1)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Embedding(MAXPOS, D)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.lnf = nn.LayerNorm(D)
        self.head = nn.Linear(D, len(VOCAB), bias=False)

    def forward(self, inputs_embeds, attention_mask, position_ids, past):
        """past: list of (k,v). returns logits, presents, probs (list per layer [b,H,s,T])"""
        x = inputs_embeds + self.pos(torch.clamp(position_ids, 0, MAXPOS - 1))
        m = build_mask(attention_mask, position_ids)
        presents, probs = [], []
        for i, L in enumerate(self.layers):
            x, k, v, p = L(x, m, past[i][0], past[i][1])
            presents.append((k, v))
            probs.append(p)
        return self.head(self.lnf(x)), presents, probs


class VLM(nn.Module):
    def __init__(self, context=False):
        super().__init__()
        self.vision = Vision(context)
        self.embed = nn.Embedding(len(VOCAB), D)
        self.decoder = Decoder()
        nn.init.normal_(self.embed.weight, std=0.5)

    def empty_past(self, b):
        z = torch.zeros(b, HEADS, 0, HD)
        return [(z, z) for _ in range(LAYERS)]

    def embed_sequence(self, ids, pixel_values):
        """ids [b,s] containing 144 <image> ids at IMG_START..IMG_END-1"""
        e = self.embed(ids)
        f = self.vision(pixel_values)
        return torch.cat([e[:, :IMG_START], f, e[:, IMG_END:]], 1)

    def forward_full(self, ids, pixel_values, attention_mask=None):
        b, s = ids.shape
        if attention_mask is None:
            attention_mask = torch.ones(b, s, dtype=torch.long)
        pos = torch.arange(s).unsqueeze(0).expand(b, s)
        x = self.embed_sequence(ids, pixel_values)
        return self.decoder(x, attention_mask, pos, self.empty_past(b))


def load_vlm(ckpt):
    """the model a checkpoint holds (with or without the stem's Context blocks), in eval mode"""
    sd = torch.load(ckpt, map_location="cpu")
    m = VLM(context=any(k.startswith("vision.context.") for k in sd))
    m.load_state_dict(sd)
    return m.eval()
