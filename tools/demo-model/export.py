"""Export real-demo-v1 to ONNX (onnx-community VLM layout), quantize the weights to int8
(per-output-channel, DequantizeLinear -> MatMul/Conv/Gather, activations fp32), and write
tokenizer.json, tokenizer_config.json and manifest.json.
usage: export.py CKPT PKG_DIR [--fp32-dir DIR]"""
import argparse, hashlib, json, os, sys
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import load_vlm, LAYERS, HEADS, HD, D
import onnx
from onnx import numpy_helper, helper, TensorProto

OPSET = 14


class VisionW(torch.nn.Module):
    def __init__(self, m):
        super().__init__(); self.m = m

    def forward(self, pixel_values):
        return self.m.vision(pixel_values)


class EmbedW(torch.nn.Module):
    def __init__(self, m):
        super().__init__(); self.m = m

    def forward(self, input_ids):
        return self.m.embed(input_ids)


class DecW(torch.nn.Module):
    def __init__(self, m):
        super().__init__(); self.m = m

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        pk = [(past[2 * i], past[2 * i + 1]) for i in range(LAYERS)]
        logits, presents, probs = self.m.decoder(inputs_embeds, attention_mask, position_ids, pk)
        outs = [logits]
        for k, v in presents:
            outs += [k, v]
        for p in probs:
            outs.append(p[:, :, -1, :].mean(1))
        return tuple(outs)


def export_fp32(model, d):
    os.makedirs(d, exist_ok=True)
    px = torch.randn(2, 3, IMG, IMG)
    torch.onnx.export(VisionW(model), (px,), os.path.join(d, "vision_encoder.onnx"), opset_version=OPSET,
                      input_names=["pixel_values"], output_names=["image_features"],
                      dynamic_axes={"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}})
    ids = torch.randint(0, len(VOCAB), (2, 5))
    torch.onnx.export(EmbedW(model), (ids,), os.path.join(d, "embed_tokens.onnx"), opset_version=OPSET,
                      input_names=["input_ids"], output_names=["inputs_embeds"],
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                    "inputs_embeds": {0: "batch_size", 1: "sequence_length"}})
    b, past, s = 2, 3, 4
    emb = torch.randn(b, s, D)
    am = torch.ones(b, past + s, dtype=torch.long)
    pos = torch.arange(past, past + s).unsqueeze(0).expand(b, s).contiguous()
    pkv = []
    in_names = ["inputs_embeds", "attention_mask", "position_ids"]
    out_names = ["logits"]
    dyn = {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(LAYERS):
        for kv in ("key", "value"):
            pkv.append(torch.randn(b, HEADS, past, HD))
            n = f"past_key_values.{i}.{kv}"; in_names.append(n)
            dyn[n] = {0: "batch_size", 2: "past_sequence_length"}
            o = f"present.{i}.{kv}"; out_names.append(o)
            dyn[o] = {0: "batch_size", 2: "total_sequence_length"}
    for i in range(LAYERS):
        o = f"decoder_attentions.{i}"; out_names.append(o)
        dyn[o] = {0: "batch_size", 1: "total_sequence_length"}
    torch.onnx.export(DecW(model), (emb, am, pos, *pkv), os.path.join(d, "decoder_model_merged.onnx"),
                      opset_version=OPSET, input_names=in_names, output_names=out_names, dynamic_axes=dyn)


def quantize(src, dst, min_size=1024, residual=False):
    """int8 symmetric per-output-channel weight quantization with DequantizeLinear.
    residual=True adds a second int8 term for the rounding error (W ~ s1*q1 + s2*q2)."""
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    consumers = {}
    for n in g.node:
        for k, x in enumerate(n.input):
            consumers.setdefault(x, []).append((n, k))
    new_nodes = []
    done = set()
    for name, init in list(inits.items()):
        arr = numpy_helper.to_array(init)
        if arr.dtype != np.float32 or arr.size < min_size:
            continue
        uses = consumers.get(name, [])
        if not uses:
            continue
        axis = None
        ok = True
        for n, k in uses:
            if n.op_type == "MatMul" and k == 1 and arr.ndim == 2:
                a = 1
            elif n.op_type == "Gemm" and k == 1 and arr.ndim == 2:
                tb = [at.i for at in n.attribute if at.name == "transB"]
                a = 0 if (tb and tb[0] == 1) else 1
            elif n.op_type == "Conv" and k == 1:
                a = 0
            elif n.op_type == "Gather" and k == 0 and arr.ndim == 2:
                a = 0
            else:
                ok = False; break
            if axis is not None and axis != a:
                ok = False; break
            axis = a
        if not ok or axis is None:
            continue
        red = tuple(i for i in range(arr.ndim) if i != axis)
        amax = np.abs(arr).max(axis=red)
        scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
        shp = [1] * arr.ndim; shp[axis] = -1
        q = np.clip(np.round(arr / scale.reshape(shp)), -127, 127).astype(np.int8)
        g.initializer.remove(init)
        g.initializer.extend([numpy_helper.from_array(q, name + "_q"),
                              numpy_helper.from_array(scale, name + "_scale"),
                              numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), name + "_zp")])
        if not residual:
            new_nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"], [name],
                                              name=name + "_dq", axis=axis))
        else:
            err = arr - q.astype(np.float32) * scale.reshape(shp)
            emax = np.abs(err).max(axis=red)
            s2 = np.where(emax > 0, emax / 127.0, 1.0).astype(np.float32)
            q2 = np.clip(np.round(err / s2.reshape(shp)), -127, 127).astype(np.int8)
            g.initializer.extend([numpy_helper.from_array(q2, name + "_q2"),
                                  numpy_helper.from_array(s2, name + "_scale2")])
            new_nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"], [name + "_d1"],
                                              name=name + "_dq", axis=axis))
            new_nodes.append(helper.make_node("DequantizeLinear", [name + "_q2", name + "_scale2", name + "_zp"], [name + "_d2"],
                                              name=name + "_dq2", axis=axis))
            new_nodes.append(helper.make_node("Add", [name + "_d1", name + "_d2"], [name], name=name + "_dqadd"))
        done.add(name)
    nodes = new_nodes + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    # drop graph inputs that shadow removed initializers (older exporters list them)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return len(done)


def tokenizer_json():
    vocab = []
    for t in VOCAB:
        if t in SPECIAL:
            sc = 0.0
        elif t.startswith("\u2581") and len(t) > 2:
            sc = -1.0
        elif t == "\u2581":
            sc = -20.0
        else:
            sc = -10.0
        vocab.append([t, sc])
    added = [{"id": TOK[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for s in SPECIAL]
    ms = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": None, "pre_tokenizer": ms, "post_processor": None, "decoder": ms,
            "model": {"type": "Unigram", "unk_id": TOK["<unk>"], "vocab": vocab, "byte_fallback": False}}


def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()


def write_package(pkg, extra, params):
    tok = tokenizer_json()
    json.dump(tok, open(os.path.join(pkg, "tokenizer.json"), "w"), ensure_ascii=False, indent=1)
    cfg = {"model_max_length": 256, "bos_token": None, "eos_token": "<eos>", "pad_token": "<pad>",
           "unk_token": "<unk>", "chat_template": CHAT_TEMPLATE, "tokenizer_class": "PreTrainedTokenizerFast",
           "add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False}
    json.dump(cfg, open(os.path.join(pkg, "tokenizer_config.json"), "w"), ensure_ascii=False, indent=1)
    files = {"visionEncoder": "onnx/vision_encoder.onnx", "embedTokens": "onnx/embed_tokens.onnx",
             "decoder": "onnx/decoder_model_merged.onnx", "tokenizer": "tokenizer.json",
             "tokenizerConfig": "tokenizer_config.json"}
    man = {"format": "real-model-package", "version": 1, "name": "real-demo-v1", "family": "real-demo",
           "description": f"Tiny demo VLM ({params / 1e6:.2f} M params) trained from scratch here on synthetic defects over texture photos (no pixel masks used); int8 weights, fp32 activations.",
           "files": {k: {"path": v, "sha256": sha(os.path.join(pkg, v)), "bytes": os.path.getsize(os.path.join(pkg, v))}
                     for k, v in files.items()},
           "image": {"width": IMG, "height": IMG, "rescale": 1 / 255.0, "mean": MEAN, "std": STD,
                     "layout": "NCHW", "resample": "bilinear", "channels": "RGB"},
           "grid": {"rows": GRID, "cols": GRID},
           "decoder": {"numLayers": LAYERS, "numKeyValueHeads": HEADS, "numAttentionHeads": HEADS, "headDim": HD,
                       "hiddenSize": D, "vocabSize": len(VOCAB), "maxPositions": 256,
                       "attentionOutput": "decoder_attentions.{layer}",
                       "imageTokensAttendOnlyToThemselves": {"firstPosition": IMG_START, "endPosition": IMG_END,
                           "note": "the decoder blocks attention between different positions inside [firstPosition, endPosition); the image tokens must be placed there (the chat template does this)"}},
           "prompt": {"question": QUESTION, "chatTemplate": CHAT_TEMPLATE, "imageToken": "<image>",
                      "imageTokensPerImage": GRID * GRID, "imageTokenFirstPosition": IMG_START},
           "specialTokens": {"eos": "<eos>", "pad": "<pad>", "unk": "<unk>", "image": "<image>", "user": "<user>",
                             "assistant": "<assistant>", "thinkStart": "<think>", "thinkEnd": "</think>",
                             "answerStart": "<answer>", "answerEnd": "</answer>"},
           "generation": {"maxNewTokens": 48, "stopTokens": ["<eos>"], "yesToken": "\u2581yes", "noToken": "\u2581no"},
           "quantization": {"weights": "int8 symmetric per output channel (DequantizeLinear, opset 14)", "activations": "float32"}}
    man.update(extra)
    json.dump(man, open(os.path.join(pkg, "manifest.json"), "w"), ensure_ascii=False, indent=1)
    return man


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt"); ap.add_argument("pkg")
    ap.add_argument("--fp32-dir", default="/tmp/demo-model-work/onnx_fp32")
    ap.add_argument("--extra", default=None, help="json file merged into the manifest")
    ap.add_argument("--residual", default="", help="comma list of parts (vision,embed,decoder) quantized with a second int8 residual term")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model = load_vlm(a.ckpt)
    export_fp32(model, a.fp32_dir)
    os.makedirs(os.path.join(a.pkg, "onnx"), exist_ok=True)
    for f in ("vision_encoder", "embed_tokens", "decoder_model_merged"):
        part = {"vision_encoder": "vision", "embed_tokens": "embed", "decoder_model_merged": "decoder"}[f]
        n = quantize(os.path.join(a.fp32_dir, f + ".onnx"), os.path.join(a.pkg, "onnx", f + ".onnx"),
                     residual=part in a.residual.split(","))
        print(f, "quantized tensors:", n, os.path.getsize(os.path.join(a.pkg, "onnx", f + ".onnx")), "bytes")
    extra = json.load(open(a.extra)) if a.extra else {}
    write_package(a.pkg, extra, sum(p.numel() for p in model.parameters()))
    print("package written to", a.pkg)
