/**
 * The three ONNX graphs of a tiny Hugging Face repo, with each family's real
 * input and output names and ranks: vision_encoder, embed_tokens and
 * decoder_model_merged (decomposed attention — MatMul → scale → Add mask →
 * Softmax → MatMul, plain ai.onnx ops, opset 17 — and no attention outputs:
 * the app's patcher adds them). Weights come from tiny-repo-weights.ts.
 */
import {
  BOOL,
  FLOAT,
  FLOAT16,
  INT64,
  model,
  type Attr,
  type GraphInit,
  type NodeInit,
  type TensorInit,
  type ValueInit,
} from './proto';
import type { TinyWeights } from './tiny-repo-weights';

/** Appends nodes named like the onnx-community exports (`/model/layers.L/self_attn/MatMul_2`). */
class Builder {
  readonly nodes: NodeInit[] = [];
  readonly inits: TensorInit[];
  private count: Map<string, number>;
  private consts: Map<string, string>;
  private named: Set<string>;

  constructor(parent?: Builder) {
    // A branch (an If's subgraph) has its own nodes; its weights and constants live in the main graph.
    this.inits = parent?.inits ?? [];
    this.count = parent?.count ?? new Map();
    this.consts = parent?.consts ?? new Map();
    this.named = parent?.named ?? new Set();
  }

  branch(): Builder {
    return new Builder(this);
  }

  op(scope: string, op: string, inputs: string[], attrs?: Attr[], outputs?: string[]): string {
    const k = `${scope}/${op}`;
    const i = this.count.get(k) ?? 0;
    this.count.set(k, i + 1);
    const name = `${scope}/${op}${i ? `_${i}` : ''}`;
    const outs = outputs ?? [`${name}/output_0`];
    this.nodes.push({ op, inputs, outputs: outs, attrs, name });
    return outs[0];
  }

  f32(name: string, dims: number[], values: ArrayLike<number>): string {
    // Both branches of a merged decoder read one copy of each weight.
    if (!this.named.has(name)) this.inits.push({ name, dims, type: FLOAT, values });
    this.named.add(name);
    return name;
  }

  /** A shared int64 constant (shapes, axes, indices). */
  i64(values: number[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}${values.join(',')}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_i64_${this.consts.size}`;
      this.inits.push({ name, dims: scalar ? [] : [values.length], type: INT64, values });
      this.consts.set(key, name);
    }
    return name;
  }

  scalarF(v: number): string {
    const key = `f${v}`;
    let name = this.consts.get(key);
    if (!name) {
      name = `const_f32_${this.consts.size}`;
      this.inits.push({ name, dims: [], type: FLOAT, values: [v] });
      this.consts.set(key, name);
    }
    return name;
  }

  /** `x` plus zero times the sum of `input`: consumes an input the tiny model does not need. */
  consume(scope: string, x: string, input: string): string {
    const asFloat = this.op(scope, 'Cast', [input], [{ name: 'to', i: FLOAT }]);
    const sum = this.op(scope, 'ReduceSum', [asFloat], [{ name: 'keepdims', i: 0 }]);
    const zero = this.op(scope, 'Mul', [sum, this.scalarF(0)]);
    return this.op(scope, 'Add', [x, zero]);
  }
}

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** A [1, …, hidden] row with `scale` in feature dim 0: brightness goes there, nothing else. */
function brightnessRow(b: Builder, w: TinyWeights, rank: number): string {
  const row = new Float32Array(w.hidden);
  row[0] = w.brightnessScale;
  return b.f32('brightness_to_hidden', [...Array<number>(rank - 1).fill(1), w.hidden], row);
}

export type VisionShape = 'qwen' | 'idefics3' | 'gemma3';

export interface VisionSpec {
  shape: VisionShape;
  /** Qwen: `grid_thw` (Qwen2-VL) or `image_grid_thw`. */
  gridInput?: 'grid_thw' | 'image_grid_thw';
  /** Qwen: 3 · temporal · patch²; the values of one patch row. */
  patchValues?: number;
  /** Qwen: patches per merged token (merge²). */
  mergeArea?: number;
  /** Idefics3: tile side in pixels (512) and tokens per tile side (8). Gemma: image side (896) and grid side (16). */
  side?: number;
  cells?: number;
}

/**
 * The vision encoder: each image token's feature is its pixels' mean value
 * times `brightnessScale` in dim 0 (a merge block of 4 patch rows for Qwen,
 * a 64 × 64 block of a tile for Idefics3, a 56 × 56 block for Gemma 3).
 */
export function visionEncoderGraph(w: TinyWeights, v: VisionSpec): Uint8Array {
  const b = new Builder();
  const s = '/vision';
  let inputs: ValueInit[];
  let outputs: ValueInit[];
  if (v.shape === 'qwen') {
    const grid = v.gridInput ?? 'image_grid_thw';
    const rowLen = v.patchValues! * v.mergeArea!;
    const blocks = b.op(s, 'Reshape', ['pixel_values', b.i64([-1, rowLen])]);
    const mean = b.op(
      s,
      'ReduceMean',
      [blocks],
      [
        { name: 'axes', ints: [1] },
        { name: 'keepdims', i: 1 },
      ],
    );
    const feats = b.op(s, 'Mul', [mean, brightnessRow(b, w, 2)]);
    b.op(s, 'Identity', [b.consume(s, feats, grid)], undefined, ['image_features']);
    inputs = [
      { name: 'pixel_values', type: FLOAT, dims: ['num_patches', v.patchValues!] },
      { name: grid, type: INT64, dims: ['num_images', 3] },
    ];
    outputs = [{ name: 'image_features', type: FLOAT, dims: ['num_features', w.hidden] }];
  } else {
    const side = v.side!;
    const cells = v.cells!;
    const k = side / cells;
    const frames =
      v.shape === 'idefics3'
        ? b.op(s, 'Reshape', ['pixel_values', b.i64([-1, 3, side, side])])
        : 'pixel_values';
    const pooled = b.op(
      s,
      'AveragePool',
      [frames],
      [
        { name: 'kernel_shape', ints: [k, k] },
        { name: 'strides', ints: [k, k] },
      ],
    );
    const mean = b.op(
      s,
      'ReduceMean',
      [pooled],
      [
        { name: 'axes', ints: [1] },
        { name: 'keepdims', i: 0 },
      ],
    );
    const tokens = b.op(s, 'Reshape', [mean, b.i64([0, cells * cells, 1])]);
    const feats = b.op(s, 'Mul', [tokens, brightnessRow(b, w, 3)]);
    if (v.shape === 'idefics3') {
      b.op(s, 'Identity', [b.consume(s, feats, 'pixel_attention_mask')], undefined, ['image_features']);
      inputs = [
        { name: 'pixel_values', type: FLOAT, dims: ['batch_size', 'num_images', 3, 'height', 'width'] },
        { name: 'pixel_attention_mask', type: BOOL, dims: ['batch_size', 'num_images', 'height', 'width'] },
      ];
      outputs = [
        { name: 'image_features', type: FLOAT, dims: ['batch_size_x_num_images', cells * cells, w.hidden] },
      ];
    } else {
      b.op(s, 'Identity', [feats], undefined, ['image_features']);
      inputs = [{ name: 'pixel_values', type: FLOAT, dims: ['batch_size', 3, 'height', 'width'] }];
      outputs = [{ name: 'image_features', type: FLOAT, dims: ['batch_size', cells * cells, w.hidden] }];
    }
  }
  return model({ nodes: b.nodes, initializers: b.inits, inputs, outputs });
}

/** embed_tokens: a Gather of the table; with `float16`, its output cast to float16 (as some fp16 exports give it). */
export function embedTokensGraph(w: TinyWeights, float16 = false): Uint8Array {
  const b = new Builder();
  b.f32('model.embed_tokens.weight', [w.vocab, w.hidden], w.embed);
  const s = '/model/embed_tokens';
  const gathered = b.op(
    s,
    'Gather',
    ['model.embed_tokens.weight', 'input_ids'],
    [{ name: 'axis', i: 0 }],
    float16 ? undefined : ['inputs_embeds'],
  );
  if (float16) b.op(s, 'Cast', [gathered], [{ name: 'to', i: FLOAT16 }], ['inputs_embeds']);
  return model({
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [{ name: 'input_ids', type: INT64, dims: ['batch_size', 'sequence_length'] }],
    outputs: [
      {
        name: 'inputs_embeds',
        type: float16 ? FLOAT16 : FLOAT,
        dims: ['batch_size', 'sequence_length', w.hidden],
      },
    ],
  });
}

export type PositionInput = 'mrope' | 'plain' | 'none';

export interface DecoderSpec {
  /** position_ids [3, B, S] (M-RoPE), [B, S], or no input (Gemma 3). */
  positions: PositionInput;
  /** A scalar int64 `num_logits_to_keep` input; logits are then [B, keep, V]. */
  logitsToKeep: boolean;
  /** Tests only: also output every softmax layer's probabilities as `probs.L` [B, heads, S, T]. */
  exposeProbs?: boolean;
  /**
   * Optimum's merged layout: a `use_cache_branch` input [1] picks an If's
   * branch, with the past (then) or without it (else: the KV cache starts
   * from this call's keys alone); every layer and the LM head inside both.
   */
  ifMerged?: boolean;
  /** inputs_embeds is float16 (an fp16 export's), cast to float32 inside. */
  float16Embeds?: boolean;
}

/** The hybrid model's linear-attention state: `past_conv.L` [B, channels, kernel] and `past_recurrent.L` [B, 1, d, d]. */
export const LINEAR = { channels: 12, kernel: 4, d: 4 } as const;

export function decoderGraph(w: TinyWeights, spec: DecoderSpec): Uint8Array {
  const b = new Builder();
  const H = w.hidden;
  const { heads, kvHeads, headDim } = w;
  const top = '/model';
  const inputs: ValueInit[] = [
    {
      name: 'inputs_embeds',
      type: spec.float16Embeds ? FLOAT16 : FLOAT,
      dims: ['batch_size', 'sequence_length', H],
    },
    { name: 'attention_mask', type: INT64, dims: ['batch_size', 'total_sequence_length'] },
  ];
  if (spec.positions === 'mrope')
    inputs.push({ name: 'position_ids', type: INT64, dims: [3, 'batch_size', 'sequence_length'] });
  if (spec.positions === 'plain')
    inputs.push({ name: 'position_ids', type: INT64, dims: ['batch_size', 'sequence_length'] });
  if (spec.logitsToKeep) inputs.push({ name: 'num_logits_to_keep', type: INT64, dims: [] });
  const outputs: ValueInit[] = [
    {
      name: 'logits',
      type: FLOAT,
      dims: ['batch_size', spec.logitsToKeep ? 'num_logits_to_keep' : 'sequence_length', w.vocab],
    },
  ];

  const embeds = spec.float16Embeds
    ? b.op(top, 'Cast', ['inputs_embeds'], [{ name: 'to', i: FLOAT }])
    : 'inputs_embeds';
  // The causal mask comes from the lengths (M-RoPE ids are not sequence indices), the padding from attention_mask.
  const m = `${top}/attn_mask`;
  const seq = b.op(
    m,
    'Gather',
    [b.op(m, 'Shape', ['inputs_embeds']), b.i64([1], true)],
    [{ name: 'axis', i: 0 }],
  );
  const total = b.op(
    m,
    'Gather',
    [b.op(m, 'Shape', ['attention_mask']), b.i64([1], true)],
    [{ name: 'axis', i: 0 }],
  );
  const past = b.op(m, 'Sub', [total, seq]);
  const zero = b.i64([0], true);
  const one = b.i64([1], true);
  const queryPos = b.op(m, 'Add', [b.op(m, 'Range', [zero, seq, one]), past]);
  const keyPos = b.op(m, 'Range', [zero, total, one]);
  const causal = b.op(m, 'LessOrEqual', [
    b.op(m, 'Reshape', [keyPos, b.i64([1, 1, 1, -1])]),
    b.op(m, 'Reshape', [queryPos, b.i64([1, 1, -1, 1])]),
  ]);
  const keep = b.op(m, 'Equal', [b.op(m, 'Reshape', ['attention_mask', b.i64([0, 1, 1, -1])]), one]);
  const bias = b.op(m, 'Where', [b.op(m, 'And', [causal, keep]), b.scalarF(0), b.scalarF(-1e9)]);
  // Within one call, position j ≤ i (the linear layers' causal sums).
  const chunkCausal = b.op(
    m,
    'Cast',
    [
      b.op(m, 'LessOrEqual', [
        b.op(m, 'Reshape', [b.op(m, 'Range', [zero, seq, one]), b.i64([1, -1])]),
        b.op(m, 'Reshape', [b.op(m, 'Range', [zero, seq, one]), b.i64([-1, 1])]),
      ]),
    ],
    [{ name: 'to', i: FLOAT }],
  );

  /**
   * The layers and the LM head, into `bb`: with the past inputs or without
   * them; `out` names the graph's outputs (renamed inside an If's branch);
   * `declare` adds the inputs and outputs to the graph's lists (once).
   */
  const body = (bb: Builder, withPast: boolean, out: (name: string) => string, declare: boolean) => {
    let x = spec.positions === 'none' ? embeds : bb.consume(top, embeds, 'position_ids');
    for (let l = 0; l < w.layers.length; l++) {
      const layer = w.layers[l];
      if (layer.kind === 'linear') {
        const s = `${top}/layers.${l}/linear_attn`;
        const C = LINEAR.channels;
        const proj = bb.op(s, 'MatMul', [
          x,
          bb.f32(`model.layers.${l}.linear_attn.in_proj`, [H, C], layer.inProj),
        ]);
        const cat = bb.op(
          s,
          'Concat',
          [`past_conv.${l}`, bb.op(s, 'Transpose', [proj], [{ name: 'perm', ints: [0, 2, 1] }])],
          [{ name: 'axis', i: 2 }],
        );
        bb.op(s, 'Slice', [cat, bb.i64([-LINEAR.kernel]), bb.i64([INT64_MAX]), bb.i64([2])], undefined, [
          `present_conv.${l}`,
        ]);
        const window = bb.op(s, 'Slice', [cat, bb.i64([1]), bb.i64([INT64_MAX]), bb.i64([2])]);
        const conv = bb.op(
          s,
          'Conv',
          [window, bb.f32(`model.layers.${l}.linear_attn.conv1d.weight`, [C, 1, LINEAR.kernel], layer.conv)],
          [
            { name: 'group', i: C },
            { name: 'kernel_shape', ints: [LINEAR.kernel] },
          ],
        );
        const mixed = bb.op(s, 'Transpose', [conv], [{ name: 'perm', ints: [0, 2, 1] }]);
        const d = LINEAR.d;
        const part = (from: number) =>
          bb.op(s, 'Slice', [mixed, bb.i64([from]), bb.i64([from + d]), bb.i64([2])]);
        const [q, k, v] = [part(0), part(d), part(2 * d)];
        const kT = bb.op(s, 'Transpose', [k], [{ name: 'perm', ints: [0, 2, 1] }]);
        // Causal linear attention: out_t = q_t · (S_past + Σ_{τ ≤ t} k_τᵀ v_τ); no softmax, so no attention row.
        const within = bb.op(s, 'MatMul', [bb.op(s, 'Mul', [bb.op(s, 'MatMul', [q, kT]), chunkCausal]), v]);
        const state = bb.op(s, 'Squeeze', [`past_recurrent.${l}`, bb.i64([1])]);
        const fromPast = bb.op(s, 'MatMul', [q, state]);
        const mixedOut = bb.op(s, 'Add', [within, fromPast]);
        bb.op(
          s,
          'Add',
          [`past_recurrent.${l}`, bb.op(s, 'Unsqueeze', [bb.op(s, 'MatMul', [kT, v]), bb.i64([1])])],
          undefined,
          [out(`present_recurrent.${l}`)],
        );
        const o = bb.op(s, 'MatMul', [
          mixedOut,
          bb.f32(`model.layers.${l}.linear_attn.out_proj`, [d, H], layer.outProj),
        ]);
        x = bb.op(`${top}/layers.${l}`, 'Add', [x, o]);
        if (declare)
          inputs.push(
            { name: `past_conv.${l}`, type: FLOAT, dims: ['batch_size', C, LINEAR.kernel] },
            { name: `past_recurrent.${l}`, type: FLOAT, dims: ['batch_size', 1, d, d] },
          );
        if (declare)
          outputs.push(
            { name: `present_conv.${l}`, type: FLOAT, dims: ['batch_size', C, LINEAR.kernel] },
            { name: `present_recurrent.${l}`, type: FLOAT, dims: ['batch_size', 1, d, d] },
          );
        continue;
      }
      const s = `${top}/layers.${l}/self_attn`;
      const wt = (n: string, dims: number[], v: Float32Array) =>
        bb.f32(`model.layers.${l}.self_attn.${n}.weight`, dims, v);
      const split = (t: string, n: number) =>
        bb.op(
          s,
          'Transpose',
          [bb.op(s, 'Reshape', [t, bb.i64([0, 0, n, headDim])])],
          [{ name: 'perm', ints: [0, 2, 1, 3] }],
        );
      const q = split(bb.op(s, 'MatMul', [x, wt('q_proj', [H, heads * headDim], layer.wq)]), heads);
      const k = split(bb.op(s, 'MatMul', [x, wt('k_proj', [H, kvHeads * headDim], layer.wk)]), kvHeads);
      const v = split(bb.op(s, 'MatMul', [x, wt('v_proj', [H, kvHeads * headDim], layer.wv)]), kvHeads);
      // Without the past (a merged decoder's first call), the cache is this call's keys and values.
      const cache = (t: string, kind: 'key' | 'value') =>
        withPast
          ? bb.op(
              s,
              'Concat',
              [`past_key_values.${l}.${kind}`, t],
              [{ name: 'axis', i: 2 }],
              [out(`present.${l}.${kind}`)],
            )
          : bb.op(s, 'Identity', [t], undefined, [out(`present.${l}.${kind}`)]);
      const presentK = cache(k, 'key');
      const presentV = cache(v, 'value');
      // Grouped heads: each KV head serves heads / kvHeads query heads (repeat_kv).
      const repeat = (t: string) =>
        bb.op(s, 'Reshape', [
          bb.op(s, 'Expand', [
            bb.op(s, 'Unsqueeze', [t, bb.i64([2])]),
            bb.i64([1, 1, heads / kvHeads, 1, 1]),
          ]),
          bb.i64([0, heads, -1, headDim]),
        ]);
      const keys = bb.op(s, 'Transpose', [repeat(presentK)], [{ name: 'perm', ints: [0, 1, 3, 2] }]);
      const scores = bb.op(s, 'Mul', [bb.op(s, 'MatMul', [q, keys]), bb.scalarF(1 / Math.sqrt(headDim))]);
      const probs = bb.op(s, 'Softmax', [bb.op(s, 'Add', [scores, bias])], [{ name: 'axis', i: -1 }]);
      if (spec.exposeProbs) {
        bb.op(s, 'Identity', [probs], undefined, [out(`probs.${l}`)]);
        if (declare)
          outputs.push({
            name: `probs.${l}`,
            type: FLOAT,
            dims: ['batch_size', heads, 'sequence_length', 'total_sequence_length'],
          });
      }
      const ctx = bb.op(s, 'MatMul', [probs, repeat(presentV)]);
      const merged = bb.op(s, 'Reshape', [
        bb.op(s, 'Transpose', [ctx], [{ name: 'perm', ints: [0, 2, 1, 3] }]),
        bb.i64([0, 0, -1]),
      ]);
      const o = bb.op(s, 'MatMul', [merged, wt('o_proj', [heads * headDim, H], layer.wo)]);
      x = bb.op(`${top}/layers.${l}`, 'Add', [x, o]);
      const kv = (name: string, len: string): ValueInit => ({
        name,
        type: FLOAT,
        dims: ['batch_size', kvHeads, len, headDim],
      });
      if (declare)
        inputs.push(
          kv(`past_key_values.${l}.key`, 'past_sequence_length'),
          kv(`past_key_values.${l}.value`, 'past_sequence_length'),
        );
      if (declare)
        outputs.push(
          kv(`present.${l}.key`, 'total_sequence_length'),
          kv(`present.${l}.value`, 'total_sequence_length'),
        );
    }
    if (spec.logitsToKeep) {
      // The last num_logits_to_keep positions (0 keeps all, as in transformers).
      const from = bb.op(top, 'Neg', [bb.op(top, 'Unsqueeze', ['num_logits_to_keep', bb.i64([0])])]);
      x = bb.op(top, 'Slice', [x, from, bb.i64([INT64_MAX]), bb.i64([1])]);
    }
    const lm = bb.op('/lm_head', 'MatMul', [x, bb.f32('lm_head.weight', [H, w.vocab], w.lm)]);
    bb.op('/lm_head', 'Add', [lm, bb.f32('lm_head.bias', [w.vocab], w.lmBias)], undefined, [out('logits')]);
  };
  if (!spec.ifMerged) {
    body(b, true, (n) => n, true);
    return model({ nodes: b.nodes, initializers: b.inits, inputs, outputs });
  }
  const branch = (withPast: boolean, tag: string, declare: boolean): GraphInit => {
    const bb = b.branch();
    body(bb, withPast, (n) => `${tag}/${n}`, declare);
    return {
      nodes: bb.nodes,
      initializers: [],
      inputs: [],
      outputs: outputs.map((v) => ({ ...v, name: `${tag}/${v.name}` })),
    };
  };
  const thenBranch = branch(true, 'with_past', true);
  const elseBranch = branch(false, 'no_past', false);
  inputs.push({ name: 'use_cache_branch', type: BOOL, dims: [1] });
  b.op(
    top,
    'If',
    ['use_cache_branch'],
    [
      { name: 'then_branch', g: thenBranch },
      { name: 'else_branch', g: elseBranch },
    ],
    outputs.map((v) => v.name),
  );
  return model({ nodes: b.nodes, initializers: b.inits, inputs, outputs });
}
