import { DataType, type AttributeInfo, type NodeInfo } from './graph-types';
import type { Scope } from './scope';
import { opName, refuse } from './unpatchable';

/**
 * What each supported attention node needs for its side branch, read from
 * the node and checked: anything the branch could not reproduce exactly is
 * refused here, before a byte is written.
 */

export interface GqaConfig {
  numHeads: number;
  kvHeads: number;
  headSize: number;
  /** The node's scale, or 1/sqrt(head size) computed in float32 as onnxruntime does. */
  scale: number;
  softcap: number;
  /** local_window_size; -1 for none. */
  window: number;
  doRotary: boolean;
  interleaved: boolean;
  rotaryDim: number;
  elemType: number;
  query: string;
  seqlensK: string;
  totalSeqLen: string;
  cosCache: string;
  sinCache: string;
  positionIds: string;
  attentionBias: string;
  presentKey: string;
}

export interface MhaConfig {
  numHeads: number;
  headSize: number;
  scale: number;
  elemType: number;
  query: string;
  attentionBias: string;
  presentKey: string;
}

export interface SoftmaxTap {
  probs: string;
  elemType: number;
}

const GQA_ATTRS = new Set([
  'num_heads',
  'kv_num_heads',
  'scale',
  'softcap',
  'local_window_size',
  'do_rotary',
  'rotary_interleaved',
  'smooth_softmax',
  'qk_output',
  'k_quant_type',
  'v_quant_type',
  'kv_cache_bit_width',
]);
const MHA_ATTRS = new Set(['num_heads', 'scale', 'mask_filter_value', 'unidirectional']);

const f32 = Math.fround;

function attrs(n: NodeInfo): Map<string, AttributeInfo> {
  return new Map(n.attributes.map((a) => [a.name, a]));
}

function checkAttrs(n: NodeInfo, layer: number, allowed: Set<string>): Map<string, AttributeInfo> {
  const a = attrs(n);
  for (const k of a.keys())
    if (!allowed.has(k)) refuse(opName(n.op, n.domain), n.name, layer, `attribute ${k} is not supported`);
  return a;
}

function headSizeOf(scope: Scope, n: NodeInfo, layer: number, heads: number, past: string): number {
  const h =
    (n.outputs[1] ? scope.dim(n.outputs[1], 3) : null) ??
    (past ? scope.dim(past, 3) : null) ??
    ((q) => (q ? q / heads : null))(scope.dim(n.inputs[0], 2));
  if (!h || !Number.isInteger(h))
    refuse(opName(n.op, n.domain), n.name, layer, 'head size unknown (no static shape on present/past key)');
  return h;
}

function floatType(scope: Scope, n: NodeInfo, layer: number, names: string[]): number {
  for (const name of names) {
    const t = name ? scope.elemType(name) : 0;
    if (t === DataType.FLOAT || t === DataType.FLOAT16) return t;
    if (t) refuse(opName(n.op, n.domain), n.name, layer, `element type ${t} is not float32 or float16`);
  }
  refuse(opName(n.op, n.domain), n.name, layer, 'element type of the attention inputs unknown');
}

export function gqaConfig(n: NodeInfo, scope: Scope, layer: number): GqaConfig {
  const op = opName(n.op, n.domain);
  const no: (why: string) => never = (why) => refuse(op, n.name, layer, why);
  const a = checkAttrs(n, layer, GQA_ATTRS);
  const int = (k: string, d: number) => a.get(k)?.i ?? d;
  const str = (k: string) => a.get(k)?.s ?? 'NONE';
  const input = (i: number) => n.inputs[i] ?? '';
  const numHeads = int('num_heads', 0);
  const kvHeads = int('kv_num_heads', 0);
  if (numHeads <= 0 || kvHeads <= 0 || numHeads % kvHeads) no('num_heads/kv_num_heads invalid');
  if (!input(1) || !input(2)) no('packed QKV (empty key input) is not supported');
  if (input(11)) no('head_sink is not supported');
  for (let i = 12; i < n.inputs.length; i++) if (n.inputs[i]) no(`input ${i} is not supported`);
  if (int('smooth_softmax', 0)) no('smooth_softmax is not supported');
  if (str('k_quant_type') !== 'NONE' || str('v_quant_type') !== 'NONE' || int('kv_cache_bit_width', 0))
    no('a quantized KV cache is not supported');
  if (!n.outputs[1]) no('no present_key output');
  const window = int('local_window_size', -1);
  if (window === 0) no('local_window_size 0 is not supported');
  const headSize = headSizeOf(scope, n, layer, numHeads, input(3));
  const doRotary = int('do_rotary', 0) === 1;
  let rotaryDim = 0;
  if (doRotary) {
    if (!input(7) || !input(8)) no('do_rotary without cos_cache/sin_cache');
    const half = scope.dim(input(7), 1);
    if (!half) no('rotary dim unknown (cos_cache has no static shape)');
    rotaryDim = 2 * half;
    if (rotaryDim > headSize) no(`rotary dim ${rotaryDim} exceeds head size ${headSize}`);
  }
  const scaleAttr = a.get('scale')?.f ?? 0;
  const softcap = a.get('softcap')?.f ?? 0;
  if (softcap < 0) no('negative softcap');
  return {
    numHeads,
    kvHeads,
    headSize,
    scale: scaleAttr === 0 ? f32(1 / f32(Math.sqrt(headSize))) : f32(scaleAttr),
    softcap: f32(softcap),
    window,
    doRotary,
    interleaved: int('rotary_interleaved', 0) === 1,
    rotaryDim,
    elemType: floatType(scope, n, layer, [n.outputs[1], input(3), input(0)]),
    query: input(0),
    seqlensK: input(5),
    totalSeqLen: input(6),
    cosCache: doRotary ? input(7) : '',
    sinCache: doRotary ? input(8) : '',
    positionIds: doRotary ? input(9) : '',
    attentionBias: input(10),
    presentKey: n.outputs[1],
  };
}

export function mhaConfig(n: NodeInfo, scope: Scope, layer: number): MhaConfig {
  const op = opName(n.op, n.domain);
  const no: (why: string) => never = (why) => refuse(op, n.name, layer, why);
  const a = checkAttrs(n, layer, MHA_ATTRS);
  const input = (i: number) => n.inputs[i] ?? '';
  const numHeads = a.get('num_heads')?.i ?? 0;
  if (numHeads <= 0) no('num_heads invalid');
  if (!input(1) || !input(2)) no('packed QKV (empty key input) is not supported');
  if (input(3)) no('the bias input is not supported');
  if (input(4)) no('key_padding_mask is not supported');
  for (let i = 8; i < n.inputs.length; i++) if (n.inputs[i]) no(`input ${i} is not supported`);
  if (!input(6) || !n.outputs[1]) no('not a decoder attention (no past_key/present_key)');
  const headSize = headSizeOf(scope, n, layer, numHeads, input(6));
  const scaleAttr = a.get('scale')?.f ?? 0;
  return {
    numHeads,
    headSize,
    scale: scaleAttr === 0 ? f32(1 / f32(Math.sqrt(headSize))) : f32(scaleAttr),
    elemType: floatType(scope, n, layer, [n.outputs[1], input(6), input(0)]),
    query: input(0),
    attentionBias: input(5),
    presentKey: n.outputs[1],
  };
}

const SCORE_OPS = new Set(['Cast', 'Add', 'Mul', 'Div', 'Sub', 'Where', 'Tanh', 'Identity', 'Neg']);

/** A Softmax between two MatMuls (scores → probabilities → context), with only scale/mask ops before it. */
export function isAttentionSoftmax(n: NodeInfo, scope: Scope): boolean {
  if (n.op !== 'Softmax' || (n.domain && n.domain !== 'ai.onnx')) return false;
  const axis = n.attributes.find((a) => a.name === 'axis')?.i ?? -1;
  const rank = scope.dims(n.inputs[0])?.length ?? null;
  if (axis !== -1 && !(rank !== null && axis === rank - 1)) return false;
  let reachesMatMul = false;
  const seen = new Set<string>();
  const up = (name: string, depth: number) => {
    const p = scope.producer(name);
    if (!p || depth > 8 || reachesMatMul || seen.has(name)) return;
    seen.add(name);
    if (p.op === 'MatMul' || p.op === 'FusedMatMul') reachesMatMul = true;
    else if (SCORE_OPS.has(p.op)) p.inputs.forEach((i) => i && up(i, depth + 1));
  };
  up(n.inputs[0], 0);
  if (!reachesMatMul) return false;
  const feedsMatMul = (name: string, depth: number): boolean =>
    scope
      .consumersOf(name)
      .some(
        (c) =>
          (c.op === 'MatMul' && c.inputs[0] === name) ||
          (depth < 2 && c.op === 'Cast' && feedsMatMul(c.outputs[0], depth + 1)),
      );
  return feedsMatMul(n.outputs[0], 0);
}

export function softmaxTap(n: NodeInfo, scope: Scope, layer: number): SoftmaxTap {
  const rank = scope.dims(n.outputs[0])?.length ?? scope.dims(n.inputs[0])?.length ?? null;
  if (rank !== null && rank !== 4)
    refuse('Softmax', n.name, layer, `probabilities of rank ${rank}, not [batch, heads, query, key]`);
  const t = scope.elemType(n.outputs[0]);
  if (t !== DataType.FLOAT && t !== DataType.FLOAT16)
    refuse(
      'Softmax',
      n.name,
      layer,
      t ? `element type ${t} is not float32 or float16` : 'element type unknown',
    );
  return { probs: n.outputs[0], elemType: t };
}
