/**
 * Tiny generated decoders, one per attention structure the patcher supports
 * (GroupQueryAttention in its variants, MultiHeadAttention, decomposed
 * MatMul/Softmax attention in fp32 and fp16-with-Casts, an optimum-style
 * If-merged decoder) and one it refuses (com.microsoft::Attention). With
 * `debug`, the graph also outputs what an independent reference needs: each
 * attention's query (`debug.q.L`), GQA's own probabilities (`debug.qk.L`,
 * qk_output = 2, after softmax) and a decomposed Softmax's output (`debug.p.L`).
 */
import {
  type Attr,
  BOOL,
  FLOAT,
  FLOAT16,
  INT32,
  INT64,
  model,
  type ElemType,
  type GraphInit,
  type NodeInit,
  type TensorInit,
  type ValueInit,
} from './proto';

export type AttentionStyle = 'gqa' | 'mha' | 'decomposed' | 'attention-op';

export interface GqaOptions {
  doRotary?: boolean;
  interleaved?: boolean;
  /** Rotary dim (≤ head dim); the head dim when absent. */
  rotaryDim?: number;
  window?: number;
  softcap?: number;
  /** A graph input `attention_bias` [1, heads, S, T] fed to GQA input 10. */
  attentionBias?: boolean;
  /** A graph input `position_ids` [batch, S] fed to GQA input 9. */
  positionIds?: boolean;
  scale?: number;
  /** Extra GQA attributes, e.g. smooth_softmax (refused). */
  extraAttrs?: Attr[];
}

export interface DecoderSpec {
  style: AttentionStyle;
  dtype: 'fp32' | 'fp16';
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  vocab: number;
  seed: number;
  gqa?: GqaOptions;
  /** Name nodes `/model/layers.{id}/attn/...` with these ids (else nodes carry no layer). */
  layerIds?: number[];
  /** optimum's merged layout: If(use_cache_branch) with decomposed attention in both branches. */
  ifMerged?: boolean;
  debug?: boolean;
  /** Multiplies the q/k projections: larger scores make softcap and fp16 rounding matter. */
  qkGain?: number;
  opset?: number;
  maxPositions?: number;
  /** A SwiGLU MLP of this width after each attention, and LayerNormalization before both. */
  mlp?: number;
  /** Weights of more than 4096 values go to one external data file (big benchmark models). */
  externalData?: boolean;
}

export const BASE: DecoderSpec = {
  style: 'gqa',
  dtype: 'fp32',
  layers: 2,
  heads: 4,
  kvHeads: 2,
  // onnxruntime's GQA rotary wants head sizes that are multiples of 16.
  headDim: 16,
  hidden: 16,
  vocab: 24,
  seed: 11,
  maxPositions: 64,
};

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export interface DecoderWeights {
  wq: Float32Array[];
  wk: Float32Array[];
  wv: Float32Array[];
  wo: Float32Array[];
  /** MLP gate, up and down projections (empty without `mlp`). */
  wg: Float32Array[];
  wu: Float32Array[];
  wd: Float32Array[];
  lm: Float32Array;
  cos: Float32Array;
  sin: Float32Array;
}

export function decoderWeights(spec: DecoderSpec): DecoderWeights {
  const r = rng(spec.seed);
  const { hidden: D, heads: N, kvHeads: K, headDim: H, layers } = spec;
  const g = spec.qkGain ?? 1;
  // Scaled by fan-in (1 at the tiny tests' width of 16) so wide benchmark models stay finite.
  const fan = 4 / Math.sqrt(D);
  const mat = (n: number, scale: number) => {
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) m[i] = r() * scale * fan;
    return m;
  };
  const each = (n: number, scale: number) => Array.from({ length: layers }, () => mat(n, scale));
  const F = spec.mlp ?? 0;
  const kvN = spec.style === 'gqa' ? K : N;
  const R = spec.gqa?.rotaryDim ?? H;
  const P = spec.maxPositions ?? 64;
  const cos = new Float32Array(P * (R / 2));
  const sin = new Float32Array(P * (R / 2));
  for (let p = 0; p < P; p++)
    for (let i = 0; i < R / 2; i++) {
      const theta = p * 10000 ** ((-2 * i) / R);
      cos[p * (R / 2) + i] = Math.cos(theta);
      sin[p * (R / 2) + i] = Math.sin(theta);
    }
  return {
    wq: each(D * N * H, 1.2 * g),
    wk: each(D * kvN * H, 1.2 * g),
    wv: each(D * kvN * H, 1),
    wo: each(N * H * D, 0.6),
    wg: F ? each(D * F, 1) : [],
    wu: F ? each(D * F, 1) : [],
    wd: F ? each(F * D, 0.6) : [],
    lm: mat(D * spec.vocab, 1),
    cos,
    sin,
  };
}

/** The names a run feeds and reads. */
export function kvNames(spec: DecoderSpec, l: number) {
  return {
    pastKey: `past_key_values.${l}.key`,
    pastValue: `past_key_values.${l}.value`,
    presentKey: `present.${l}.key`,
    presentValue: `present.${l}.value`,
  };
}

/** Where `externalData` specs put their big weights: float32 pieces of one file. */
export const EXTERNAL_FILE = 'decoder.onnx_data';

class ExternalSink {
  pieces: Float32Array[] = [];
  offset = 0;
  add(values: ArrayLike<number>): { location: string; offset: number; length: number } {
    const piece = Float32Array.from(values);
    this.pieces.push(piece);
    const ref = { location: EXTERNAL_FILE, offset: this.offset, length: piece.byteLength };
    this.offset += piece.byteLength;
    return ref;
  }
  data(): Uint8Array {
    const out = new Uint8Array(this.offset);
    let at = 0;
    for (const p of this.pieces) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
      at += p.byteLength;
    }
    return out;
  }
}

class GraphParts {
  nodes: NodeInit[] = [];
  inits: TensorInit[] = [];
  constructor(
    private readonly elem: ElemType,
    readonly sink: ExternalSink | null = null,
  ) {}
  node(op: string, inputs: string[], outputs: string[], extra: Partial<NodeInit> = {}): string {
    this.nodes.push({ op, inputs, outputs, ...extra });
    return outputs[0];
  }
  f(name: string, dims: number[], values: ArrayLike<number>): string {
    if (this.sink && this.elem === FLOAT && values.length > 4096)
      this.inits.push({ name, dims, type: FLOAT, values: [], external: this.sink.add(values) });
    else this.inits.push({ name, dims, type: this.elem, values });
    return name;
  }
  i64(name: string, dims: number[], values: number[]): string {
    this.inits.push({ name, dims, type: INT64, values });
    return name;
  }
}

const layerId = (spec: DecoderSpec, l: number) => spec.layerIds?.[l] ?? l;
const prefix = (spec: DecoderSpec, l: number) =>
  spec.layerIds ? `/model/layers.${layerId(spec, l)}/attn/` : undefined;

/** attention_mask → seqlens_k ([batch, 1], total − 1, as the onnx-community exports build it) and total length. */
function gqaShared(p: GraphParts) {
  p.i64('g.zero', [], [0]);
  p.i64('g.one', [], [1]);
  p.i64('g.one1', [1], [1]);
  p.node('Shape', ['attention_mask'], ['g.am_shape']);
  p.node('Gather', ['g.am_shape', 'g.one'], ['g.total64'], { attrs: [{ name: 'axis', i: 0 }] });
  p.node('Gather', ['g.am_shape', 'g.zero'], ['g.batch'], { attrs: [{ name: 'axis', i: 0 }] });
  p.node('Sub', ['g.total64', 'g.one'], ['g.seqlen64']);
  p.node('Unsqueeze', ['g.batch', 'g.zero1'], ['g.batch1']);
  p.i64('g.zero1', [1], [0]);
  p.node('Concat', ['g.batch1', 'g.one1'], ['g.b1'], { attrs: [{ name: 'axis', i: 0 }] });
  p.node('Expand', ['g.seqlen64', 'g.b1'], ['g.seqlens64']);
  p.node('Cast', ['g.seqlens64'], ['seqlens_k'], { attrs: [{ name: 'to', i: INT32 }] });
  p.node('Cast', ['g.total64'], ['total_seq_len'], { attrs: [{ name: 'to', i: INT32 }] });
}

/** attention_mask and position_ids → an additive causal + padding bias [batch, 1, S, T]. */
function maskBias(p: GraphParts, masked: number) {
  p.i64('m.zero', [], [0]);
  p.i64('m.one', [], [1]);
  p.i64('m.row4', [4], [1, 1, 1, -1]);
  p.i64('m.col4', [4], [0, 1, -1, 1]);
  p.i64('m.batch_row4', [4], [0, 1, 1, -1]);
  p.f('m.no_bias', [], [0]);
  p.f('m.masked', [], [masked]);
  p.node('Shape', ['attention_mask'], ['m.am_shape']);
  p.node('Gather', ['m.am_shape', 'm.one'], ['m.total'], { attrs: [{ name: 'axis', i: 0 }] });
  p.node('Range', ['m.zero', 'm.total', 'm.one'], ['m.keys']);
  p.node('Reshape', ['m.keys', 'm.row4'], ['m.keys4']);
  p.node('Reshape', ['position_ids', 'm.col4'], ['m.pos4']);
  p.node('LessOrEqual', ['m.keys4', 'm.pos4'], ['m.causal']);
  p.node('Reshape', ['attention_mask', 'm.batch_row4'], ['m.am4']);
  p.node('Equal', ['m.am4', 'm.one'], ['m.am_on']);
  p.node('And', ['m.causal', 'm.am_on'], ['m.allowed']);
  p.node('Where', ['m.allowed', 'm.no_bias', 'm.masked'], ['mask_bias']);
}

interface LayerIo {
  x: string;
  out: string;
  debug: ValueInit[];
}

function projections(p: GraphParts, spec: DecoderSpec, w: DecoderWeights, l: number, x: string, kvN: number) {
  const { hidden: D, heads: N, headDim: H } = spec;
  const name = prefix(spec, l);
  p.f(`wq${l}`, [D, N * H], w.wq[l]);
  p.f(`wk${l}`, [D, kvN * H], w.wk[l]);
  p.f(`wv${l}`, [D, kvN * H], w.wv[l]);
  p.f(`wo${l}`, [N * H, D], w.wo[l]);
  for (const k of ['q', 'k', 'v'])
    p.node('MatMul', [x, `w${k}${l}`], [`l${l}.${k}`], { name: name && `${name}${k}_proj` });
}

function outProjection(p: GraphParts, spec: DecoderSpec, l: number, x: string, attn: string): string {
  p.node('MatMul', [attn, `wo${l}`], [`l${l}.o`]);
  return p.node('Add', [x, `l${l}.o`], [`x${l + 1}`]);
}

function gqaLayer(
  p: GraphParts,
  spec: DecoderSpec,
  w: DecoderWeights,
  l: number,
  x: string,
  elem: ElemType,
): LayerIo {
  const { heads: N, kvHeads: K, headDim: H } = spec;
  const o = spec.gqa ?? {};
  const kv = kvNames(spec, l);
  projections(p, spec, w, l, x, K);
  const attrs: Attr[] = [
    { name: 'num_heads', i: N },
    { name: 'kv_num_heads', i: K },
    { name: 'do_rotary', i: o.doRotary ? 1 : 0 },
    { name: 'rotary_interleaved', i: o.interleaved ? 1 : 0 },
    { name: 'local_window_size', i: o.window ?? -1 },
    { name: 'softcap', f: o.softcap ?? 0 },
    { name: 'scale', f: o.scale ?? 0 },
    ...(o.extraAttrs ?? []),
  ];
  const debug: ValueInit[] = [];
  const outputs = [`l${l}.attn`, kv.presentKey, kv.presentValue];
  if (spec.debug) {
    attrs.push({ name: 'qk_output', i: 2 });
    outputs.push(`debug.qk.${l}`);
    debug.push({
      name: `debug.qk.${l}`,
      type: elem,
      dims: ['batch_size', N, 'sequence_length', 'total_sequence_length'],
    });
    p.node('Identity', [`l${l}.q`], [`debug.q.${l}`]);
    debug.push({ name: `debug.q.${l}`, type: elem, dims: ['batch_size', 'sequence_length', N * H] });
  }
  const inputs = [
    `l${l}.q`,
    `l${l}.k`,
    `l${l}.v`,
    kv.pastKey,
    kv.pastValue,
    'seqlens_k',
    'total_seq_len',
    o.doRotary ? 'cos_cache' : '',
    o.doRotary ? 'sin_cache' : '',
    o.positionIds ? 'position_ids' : '',
    o.attentionBias ? 'attention_bias' : '',
  ];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const name = prefix(spec, l);
  p.node('GroupQueryAttention', inputs, outputs, {
    domain: 'com.microsoft',
    attrs,
    name: name && `${name}GroupQueryAttention`,
  });
  return { x, out: outProjection(p, spec, l, x, `l${l}.attn`), debug };
}

function mhaLayer(
  p: GraphParts,
  spec: DecoderSpec,
  w: DecoderWeights,
  l: number,
  x: string,
  elem: ElemType,
): LayerIo {
  const { heads: N, headDim: H } = spec;
  const kv = kvNames(spec, l);
  projections(p, spec, w, l, x, N);
  const debug: ValueInit[] = [];
  if (spec.debug) {
    p.node('Identity', [`l${l}.q`], [`debug.q.${l}`]);
    debug.push({ name: `debug.q.${l}`, type: elem, dims: ['batch_size', 'sequence_length', N * H] });
  }
  const name = prefix(spec, l);
  p.node(
    'MultiHeadAttention',
    [
      `l${l}.q`,
      `l${l}.k`,
      `l${l}.v`,
      '',
      '',
      spec.gqa?.attentionBias ? 'attention_bias' : '',
      kv.pastKey,
      kv.pastValue,
    ],
    [`l${l}.attn`, kv.presentKey, kv.presentValue],
    {
      domain: 'com.microsoft',
      attrs: [
        { name: 'num_heads', i: N },
        { name: 'unidirectional', i: 1 },
      ],
      name: name && `${name}MultiHeadAttention`,
    },
  );
  return { x, out: outProjection(p, spec, l, x, `l${l}.attn`), debug };
}

/** MatMul → Mul(scale) → Add(mask) → [Cast] Softmax [Cast] → MatMul, heads split by Reshape/Transpose. */
function decomposedLayer(
  p: GraphParts,
  spec: DecoderSpec,
  w: DecoderWeights,
  l: number,
  x: string,
  elem: ElemType,
  withPast: boolean,
): LayerIo {
  const { heads: N, headDim: H } = spec;
  const kv = kvNames(spec, l);
  const name = prefix(spec, l);
  const nm = (s: string) => (name ? { name: `${name}${s}` } : {});
  projections(p, spec, w, l, x, N);
  p.i64(`d.split${l}`, [4], [0, 0, N, H]);
  p.i64(`d.merge${l}`, [3], [0, 0, -1]);
  p.f(`d.scale${l}`, [], [1 / Math.sqrt(H)]);
  for (const k of ['q', 'k', 'v']) {
    p.node('Reshape', [`l${l}.${k}`, `d.split${l}`], [`l${l}.${k}s`]);
    p.node('Transpose', [`l${l}.${k}s`], [`l${l}.${k}h`], { attrs: [{ name: 'perm', ints: [0, 2, 1, 3] }] });
  }
  if (withPast) {
    p.node('Concat', [kv.pastKey, `l${l}.kh`], [kv.presentKey], { attrs: [{ name: 'axis', i: 2 }] });
    p.node('Concat', [kv.pastValue, `l${l}.vh`], [kv.presentValue], { attrs: [{ name: 'axis', i: 2 }] });
  } else {
    p.node('Identity', [`l${l}.kh`], [kv.presentKey]);
    p.node('Identity', [`l${l}.vh`], [kv.presentValue]);
  }
  p.node('Transpose', [kv.presentKey], [`l${l}.kt`], { attrs: [{ name: 'perm', ints: [0, 1, 3, 2] }] });
  p.node('MatMul', [`l${l}.qh`, `l${l}.kt`], [`l${l}.s`], nm('MatMul'));
  p.node('Mul', [`l${l}.s`, `d.scale${l}`], [`l${l}.ss`], nm('Mul'));
  p.node('Add', [`l${l}.ss`, 'mask_bias'], [`l${l}.sm`], nm('Add'));
  const probs = `l${l}.p`;
  if (elem === FLOAT16) {
    p.node('Cast', [`l${l}.sm`], [`l${l}.sm32`], { attrs: [{ name: 'to', i: FLOAT }] });
    p.node('Softmax', [`l${l}.sm32`], [`l${l}.p32`], { attrs: [{ name: 'axis', i: -1 }], ...nm('Softmax') });
    p.node('Cast', [`l${l}.p32`], [probs], { attrs: [{ name: 'to', i: FLOAT16 }] });
  } else p.node('Softmax', [`l${l}.sm`], [probs], { attrs: [{ name: 'axis', i: -1 }], ...nm('Softmax') });
  const debug: ValueInit[] = [];
  if (spec.debug) {
    const tapped = elem === FLOAT16 ? `l${l}.p32` : probs;
    p.node('Identity', [tapped], [`debug.p.${l}`]);
    debug.push({
      name: `debug.p.${l}`,
      type: FLOAT,
      dims: ['batch_size', N, 'sequence_length', 'total_sequence_length'],
    });
    p.node('Identity', [`l${l}.q`], [`debug.q.${l}`]);
    debug.push({ name: `debug.q.${l}`, type: elem, dims: ['batch_size', 'sequence_length', N * H] });
  }
  p.node('MatMul', [probs, kv.presentValue], [`l${l}.c`]);
  p.node('Transpose', [`l${l}.c`], [`l${l}.ct`], { attrs: [{ name: 'perm', ints: [0, 2, 1, 3] }] });
  p.node('Reshape', [`l${l}.ct`, `d.merge${l}`], [`l${l}.attn`]);
  return { x, out: outProjection(p, spec, l, x, `l${l}.attn`), debug };
}

function attentionOpLayer(p: GraphParts, spec: DecoderSpec, l: number, x: string): LayerIo {
  const { hidden: D, heads: N, headDim: H } = spec;
  p.f(`wqkv${l}`, [D, 3 * N * H], new Float32Array(D * 3 * N * H));
  p.f(`bqkv${l}`, [3 * N * H], new Float32Array(3 * N * H));
  const name = prefix(spec, l) ?? `Attention_${l}`;
  p.node('Attention', [x, `wqkv${l}`, `bqkv${l}`], [`l${l}.attn`], {
    domain: 'com.microsoft',
    attrs: [{ name: 'num_heads', i: N }],
    name: `${name}Attention`,
  });
  return { x, out: `l${l}.attn`, debug: [] };
}

/** The layers' nodes after the embeddings: returns the final hidden state's name and debug outputs. */
function norm(p: GraphParts, spec: DecoderSpec, x: string, name: string): string {
  if (!spec.mlp) return x;
  p.f(`${name}.gamma`, [spec.hidden], new Float32Array(spec.hidden).fill(1));
  return p.node('LayerNormalization', [x, `${name}.gamma`], [name], { attrs: [{ name: 'axis', i: -1 }] });
}

/** x + down(silu(gate(norm x)) * up(norm x)) */
function mlp(p: GraphParts, spec: DecoderSpec, w: DecoderWeights, l: number, x: string): string {
  const { hidden: D, mlp: F } = spec;
  if (!F) return x;
  const n = norm(p, spec, x, `l${l}.mlp_norm`);
  p.f(`wg${l}`, [D, F], w.wg[l]);
  p.f(`wu${l}`, [D, F], w.wu[l]);
  p.f(`wd${l}`, [F, D], w.wd[l]);
  p.node('MatMul', [n, `wg${l}`], [`l${l}.gate`]);
  p.node('MatMul', [n, `wu${l}`], [`l${l}.up`]);
  p.node('Sigmoid', [`l${l}.gate`], [`l${l}.sig`]);
  p.node('Mul', [`l${l}.gate`, `l${l}.sig`], [`l${l}.silu`]);
  p.node('Mul', [`l${l}.silu`, `l${l}.up`], [`l${l}.act`]);
  p.node('MatMul', [`l${l}.act`, `wd${l}`], [`l${l}.down`]);
  return p.node('Add', [x, `l${l}.down`], [`l${l}.mlp_out`]);
}

function body(p: GraphParts, spec: DecoderSpec, w: DecoderWeights, elem: ElemType, withPast: boolean) {
  let x = 'h0';
  const debug: ValueInit[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const h = norm(p, spec, x, `l${l}.attn_norm`);
    const io =
      spec.style === 'gqa'
        ? gqaLayer(p, spec, w, l, h, elem)
        : spec.style === 'mha'
          ? mhaLayer(p, spec, w, l, h, elem)
          : spec.style === 'decomposed'
            ? decomposedLayer(p, spec, w, l, h, elem, withPast)
            : attentionOpLayer(p, spec, l, h);
    debug.push(...io.debug);
    // The residual adds to the un-normalised stream.
    x = mlp(p, spec, w, l, h === x ? io.out : p.node('Add', [x, `l${l}.o`], [`l${l}.res`]));
  }
  p.f('lm', [spec.hidden, spec.vocab], w.lm);
  p.node('MatMul', [norm(p, spec, x, 'final_norm'), 'lm'], ['logits']);
  return debug;
}

export function kvHeadsOf(spec: DecoderSpec): number {
  return spec.style === 'gqa' ? spec.kvHeads : spec.heads;
}

export function decoderInputs(spec: DecoderSpec): ValueInit[] {
  const elem: ElemType = spec.dtype === 'fp16' ? FLOAT16 : FLOAT;
  const kv = (name: string, len: string): ValueInit => ({
    name,
    type: elem,
    dims: ['batch_size', kvHeadsOf(spec), len, spec.headDim],
  });
  const o = spec.gqa ?? {};
  const positionIds = spec.style === 'decomposed' || o.positionIds;
  return [
    { name: 'inputs_embeds', type: FLOAT, dims: ['batch_size', 'sequence_length', spec.hidden] },
    { name: 'attention_mask', type: INT64, dims: ['batch_size', 'total_sequence_length'] },
    ...(positionIds
      ? [{ name: 'position_ids', type: INT64, dims: ['batch_size', 'sequence_length'] } as ValueInit]
      : []),
    ...(o.attentionBias
      ? [
          {
            name: 'attention_bias',
            type: elem,
            dims: [1, spec.heads, 'sequence_length', 'total_sequence_length'],
          } as ValueInit,
        ]
      : []),
    ...(spec.ifMerged ? [{ name: 'use_cache_branch', type: BOOL, dims: [1] } as ValueInit] : []),
    ...Array.from({ length: spec.layers }, (_, l) => [
      kv(kvNames(spec, l).pastKey, 'past_sequence_length'),
      kv(kvNames(spec, l).pastValue, 'past_sequence_length'),
    ]).flat(),
  ];
}

function decoderOutputs(spec: DecoderSpec): ValueInit[] {
  const elem: ElemType = spec.dtype === 'fp16' ? FLOAT16 : FLOAT;
  const kv = (name: string): ValueInit => ({
    name,
    type: elem,
    dims: ['batch_size', kvHeadsOf(spec), 'total_sequence_length', spec.headDim],
  });
  return [
    { name: 'logits', type: elem, dims: ['batch_size', 'sequence_length', spec.vocab] },
    ...Array.from({ length: spec.layers }, (_, l) => [
      kv(kvNames(spec, l).presentKey),
      kv(kvNames(spec, l).presentValue),
    ]).flat(),
  ];
}

export function tinyDecoder(spec: DecoderSpec): Uint8Array {
  return tinyDecoderWithData(spec).bytes;
}

/** The decoder and, with `externalData`, its weights file (ORT's `externalData` session option). */
export function tinyDecoderWithData(spec: DecoderSpec): {
  bytes: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
} {
  const elem: ElemType = spec.dtype === 'fp16' ? FLOAT16 : FLOAT;
  const w = decoderWeights(spec);
  const sink = spec.externalData ? new ExternalSink() : null;
  const top = new GraphParts(elem, sink);
  top.node('Cast', ['inputs_embeds'], ['h0'], { attrs: [{ name: 'to', i: elem }] });
  if (spec.style === 'gqa') gqaShared(top);
  if (spec.style === 'decomposed') maskBias(top, elem === FLOAT16 ? -1e4 : -1e9);
  if (spec.style === 'gqa' && spec.gqa?.doRotary) {
    const R = spec.gqa.rotaryDim ?? spec.headDim;
    top.f('cos_cache', [spec.maxPositions ?? 64, R / 2], w.cos);
    top.f('sin_cache', [spec.maxPositions ?? 64, R / 2], w.sin);
  }
  const outputs = decoderOutputs(spec);
  let debug: ValueInit[] = [];
  if (spec.ifMerged) {
    const branch = (withPast: boolean, tag: string): GraphInit => {
      const p = new GraphParts(elem, sink);
      debug = body(p, spec, w, elem, withPast);
      // Weights live in the main graph, as in optimum's merged exports.
      top.inits.push(...p.inits);
      const rename = (v: ValueInit) => ({ ...v, name: `${tag}/${v.name}` });
      for (const v of [...outputs, ...debug]) p.node('Identity', [v.name], [`${tag}/${v.name}`]);
      return { nodes: p.nodes, initializers: [], inputs: [], outputs: [...outputs, ...debug].map(rename) };
    };
    const thenG = branch(true, 'with_past');
    const elseG = branch(false, 'no_past');
    // Both branches add the same weights: keep one copy.
    const seen = new Set<string>();
    top.inits = top.inits.filter((t) => !seen.has(t.name) && seen.add(t.name));
    top.node(
      'If',
      ['use_cache_branch'],
      [...outputs, ...debug].map((v) => v.name),
      {
        attrs: [
          { name: 'then_branch', g: thenG },
          { name: 'else_branch', g: elseG },
        ],
        name: 'optimum::if',
      },
    );
  } else debug = body(top, spec, w, elem, true);
  const bytes = model(
    {
      nodes: top.nodes,
      initializers: top.inits,
      inputs: decoderInputs(spec),
      outputs: [...outputs, ...debug],
    },
    spec.opset ?? 17,
    { imports: [{ domain: 'com.microsoft', version: 1 }] },
  );
  return { bytes, externalData: sink ? [{ path: EXTERNAL_FILE, data: sink.data() }] : [] };
}

/** The spec's cos/sin caches, for references that rotate the query themselves. */
export function rotaryCaches(spec: DecoderSpec): { cos: Float32Array; sin: Float32Array } {
  const { cos, sin } = decoderWeights(spec);
  return { cos, sin };
}
