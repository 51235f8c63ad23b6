import type { GqaConfig, MhaConfig, SoftmaxTap } from './attention-config';
import type { Branch } from './branch-builder';
import { DataType } from './graph-types';

/**
 * The side branches: each computes one layer's last-query attention row,
 * averaged over heads, as float32 [batch, total_len], from values the layer
 * already computes, so the layer's own outputs are untouched.
 */

const { FLOAT, FLOAT16, INT64 } = DataType;
/** The lowest float32: masked scores get it, so exp() gives exactly 0 and no inf - inf arises. */
const LOWEST = -3.4028234663852886e38;

/** The rotary position of each batch row's last query, as onnxruntime's GQA picks it: [batch, 1]. */
function lastPosition(b: Branch, c: GqaConfig): string {
  // Every layer sees the same sequence: the first layer's query length serves all.
  const s = b.add.shared(`query length|${c.totalSeqLen}`, () => b.shapeDim(c.query, 1));
  const sMinus1 = b.op('Sub', [s, b.i64([1], [])]);
  const total = b.reshape(b.cast(c.totalSeqLen, INT64), []);
  // A first prompt (sequence length = total length) counts positions from 0 (or from position_ids[0]).
  const first = b.op('Equal', [s, total]);
  let pos: string;
  if (c.positionIds) {
    const ids = b.cast(c.positionIds, INT64);
    const last = b.pick(ids, -1, 1);
    const fromFirst = b.op('Add', [b.pick(b.reshape(ids, [-1]), 0, 0), sMinus1]);
    pos = b.op('Where', [first, fromFirst, last]);
  } else {
    const seqlens = b.cast(b.reshape(c.seqlensK, [-1]), INT64);
    pos = b.op('Where', [first, sMinus1, seqlens]);
  }
  return b.reshape(pos, [-1, 1]);
}

/**
 * The rotary tables at the last query's position, spread over the whole
 * head: x·cos + turn(x)·sin is then onnxruntime's rotation term for term
 * (sin carries the sign; dims past the rotary dim get cos 1 and sin 0, so
 * they pass unchanged). Shared by every layer with the same caches.
 */
function rotaryTables(b: Branch, c: GqaConfig): { cos: string; sin: string; turn: string } {
  const pos = lastPosition(b, c);
  const H = c.headSize;
  const h = c.rotaryDim / 2;
  const inRotary = (i: number) => i < c.rotaryDim;
  const column = (i: number) => (!inRotary(i) ? 0 : c.interleaved ? i >> 1 : i % h);
  const partner = (i: number) => (!inRotary(i) ? i : c.interleaved ? i ^ 1 : i < h ? i + h : i - h);
  const sign = (i: number) => (!inRotary(i) ? 0 : (c.interleaved ? i % 2 === 0 : i < h) ? -1 : 1);
  const all = Array.from({ length: H }, (_, i) => i);
  const spread = (cache: string) => {
    let row = b.op('Gather', [cache, pos], { axis: 0 }); // [batch, 1, rotary/2]
    if (c.elemType === FLOAT16) row = b.cast(row, FLOAT);
    return b.unsqueeze(b.op('Gather', [row, b.i64(all.map(column))], { axis: 2 }), [1]); // [batch, 1, 1, head]
  };
  let cos = spread(c.cosCache);
  const sin = b.op('Mul', [spread(c.sinCache), b.f32s(all.map(sign))]);
  if (c.rotaryDim < H) cos = b.op('Where', [b.bools(all.map(inRotary)), cos, b.f32(1)]);
  return { cos, sin, turn: b.i64(all.map(partner)) };
}

/** Rotates q [batch, kv heads, group, head] as onnxruntime does: in float32, rounded to the element type once. */
function rotate(b: Branch, c: GqaConfig, q: string): string {
  const t = rotaryTables(b, c);
  const half = c.elemType === FLOAT16;
  const x = half ? b.cast(q, FLOAT) : q;
  const turned = b.op('Gather', [x, t.turn], { axis: 3 });
  const rotated = b.op('Add', [b.op('Mul', [x, t.cos]), b.op('Mul', [turned, t.sin])]);
  return half ? b.cast(rotated, FLOAT16) : rotated;
}

/**
 * What is added to the scores [batch, kv heads, group, T]: the attention
 * bias's last query row where a key may be attended, the lowest float where
 * not (exp gives exactly 0). Keys attended: [total − window, total) with
 * total = seqlens_k + 1. One tensor for all layers that share the bias.
 */
function additiveMask(b: Branch, c: GqaConfig): string {
  const total = b.op('Add', [b.cast(b.reshape(c.seqlensK, [-1, 1]), INT64), b.i64([1], [])]); // [batch, 1]
  // The first layer's cache length serves all (a layer whose cache differed would fail to broadcast, not mislead).
  const length = b.add.shared(`cache length|${c.seqlensK}`, () => b.shapeDim(c.presentKey, 2));
  const keys = b.op('Range', [b.i64([0], []), length, b.i64([1], [])]);
  let allowed = b.op('Less', [keys, total]);
  if (c.window > 0)
    allowed = b.op('And', [
      allowed,
      b.op('GreaterOrEqual', [keys, b.op('Sub', [total, b.i64([c.window], [])])]),
    ]);
  allowed = b.unsqueeze(allowed, [1, 2]); // [batch, 1, 1, T]
  if (!c.attentionBias) return b.op('Where', [allowed, b.f32(0), b.f32(LOWEST)]);
  const group = c.numHeads / c.kvHeads;
  const row = biasRow(b, c.attentionBias, c.elemType); // [batch|1, heads|1, T]
  const perHead = b.op('Expand', [row, b.i64([1, c.numHeads, 1])]);
  const bias = b.reshape(perHead, [0, c.kvHeads, group, -1]); // [batch|1, kv, group, T]
  return b.op('Where', [allowed, bias, b.f32(LOWEST)]);
}

/** The attention bias's last query row [batch|1, heads|1, T], as float32. */
function biasRow(b: Branch, bias: string, elemType: number): string {
  const row = b.pick(bias, -1, 2);
  return elemType === FLOAT16 ? b.cast(row, FLOAT) : row;
}

/**
 * GroupQueryAttention, in the order onnxruntime's CPU kernel applies it:
 * q·k' × scale, softcap, + attention_bias, then only keys in
 * [total − window, total) enter the softmax. q·k' with k' a Transpose that
 * onnxruntime fuses into the product (FusedMatMul on its CPU provider), as
 * GQA's own kernel multiplies: scores [batch, kv heads, group, T].
 */
export function gqaRow(b: Branch, c: GqaConfig, output: string): string {
  const half = c.elemType === FLOAT16;
  const group = c.numHeads / c.kvHeads;
  let q = b.reshape(b.pick(c.query, -1, 1), [0, c.kvHeads, group, c.headSize]);
  if (c.doRotary) q = rotate(b, c, q);
  if (half) q = b.cast(q, FLOAT);
  const key = half ? b.cast(c.presentKey, FLOAT) : c.presentKey; // [batch, kv, T, head], rotated
  let s = b.op('MatMul', [q, b.transpose(key, [0, 1, 3, 2])]); // [batch, kv, group, T]
  s = b.op('Mul', [s, b.f32(c.scale)]);
  if (c.softcap > 0) {
    const cap = b.f32(c.softcap);
    s = b.op('Mul', [b.op('Tanh', [b.op('Div', [s, cap])]), cap]);
  }
  s = b.op('Add', [s, additiveMask(b, c)]);
  return b.mean(b.op('Softmax', [s], { axis: -1 }), [1, 2], output);
}

/** com.microsoft::MultiHeadAttention with a KV cache: the last query row sees every key (causal or not). */
export function mhaRow(b: Branch, c: MhaConfig, output: string): string {
  const half = c.elemType === FLOAT16;
  let q = b.reshape(b.pick(c.query, -1, 1), [0, c.numHeads, 1, c.headSize]);
  if (half) q = b.cast(q, FLOAT);
  const key = half ? b.cast(c.presentKey, FLOAT) : c.presentKey;
  let s = b.reshape(b.op('MatMul', [q, b.transpose(key, [0, 1, 3, 2])]), [0, c.numHeads, -1]);
  s = b.op('Mul', [s, b.f32(c.scale)]);
  if (c.attentionBias) s = b.op('Add', [s, biasRow(b, c.attentionBias, c.elemType)]);
  return b.mean(b.op('Softmax', [s], { axis: -1 }), [1], output);
}

/** Decomposed attention: the Softmax's own probabilities [batch, heads, S, T], last row, head mean. */
export function softmaxRow(b: Branch, c: SoftmaxTap, output: string): string {
  let row = b.pick(c.probs, -1, 2);
  if (c.elemType === FLOAT16) row = b.cast(row, FLOAT);
  return b.mean(row, [1], output);
}
