/**
 * A tiny random VLM package built by the tests: the same files, names and
 * shapes as a real package (vision_encoder, embed_tokens,
 * decoder_model_merged with a KV cache and decoder_attentions.N), plus a
 * plain-JS reference forward pass to check the engine against.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FLOAT, INT64, model, type NodeInit, type TensorInit } from './proto';

export const SPECIAL = [
  '<pad>',
  '<eos>',
  '<image>',
  '<user>',
  '<assistant>',
  '<think>',
  '</think>',
  '<answer>',
  '</answer>',
];
export const WORDS = [
  'Are',
  'there',
  'any',
  'defects',
  'or',
  'anomalies',
  'in',
  'the',
  'image',
  '?',
  'yes',
  'no',
  'a',
  'scratch',
  'left',
  'right',
];

export interface TinyConfig {
  rows: number;
  cols: number;
  patch: number;
  heads: number;
  headDim: number;
  layers: number;
  seed: number;
}

export const TINY: TinyConfig = { rows: 3, cols: 3, patch: 4, heads: 2, headDim: 4, layers: 2, seed: 7 };

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export interface TinyWeights {
  cfg: TinyConfig;
  hidden: number;
  vocab: number;
  conv: Float32Array; // [H, 3, p, p]
  embed: Float32Array; // [V, H]
  wq: Float32Array[]; // per layer [H, H]
  wk: Float32Array[];
  wv: Float32Array[];
  wo: Float32Array[];
  lm: Float32Array; // [H, V]
  /** Keeps <eos> rare, so runs are long enough to test; tests choose their own stop tokens. */
  lmBias: Float32Array; // [V]
}

export function tinyWeights(cfg: TinyConfig = TINY): TinyWeights {
  const r = rng(cfg.seed);
  const hidden = cfg.heads * cfg.headDim;
  const vocab = SPECIAL.length + WORDS.length;
  const mat = (n: number, scale: number) => Float32Array.from({ length: n }, () => r() * scale);
  const layers = Array.from({ length: cfg.layers });
  return {
    cfg,
    hidden,
    vocab,
    conv: mat(hidden * 3 * cfg.patch * cfg.patch, 0.4),
    embed: mat(vocab * hidden, 2),
    wq: layers.map(() => mat(hidden * hidden, 1.5)),
    wk: layers.map(() => mat(hidden * hidden, 1.5)),
    wv: layers.map(() => mat(hidden * hidden, 1)),
    wo: layers.map(() => mat(hidden * hidden, 1)),
    lm: mat(hidden * vocab, 2),
    lmBias: Float32Array.from({ length: vocab }, (_, i) => (SPECIAL[i] === '<eos>' ? -50 : 0)),
  };
}

const f = (name: string, dims: number[], values: ArrayLike<number>): TensorInit => ({
  name,
  dims,
  type: FLOAT,
  values,
});
const i64 = (name: string, dims: number[], values: number[]): TensorInit => ({
  name,
  dims,
  type: INT64,
  values,
});

export function visionEncoderModel(w: TinyWeights): Uint8Array {
  const { patch } = w.cfg;
  return model({
    inputs: [
      { name: 'pixel_values', type: FLOAT, dims: ['batch_size', 3, w.cfg.rows * patch, w.cfg.cols * patch] },
    ],
    outputs: [
      { name: 'image_features', type: FLOAT, dims: ['batch_size', w.cfg.rows * w.cfg.cols, w.hidden] },
    ],
    initializers: [f('conv_w', [w.hidden, 3, patch, patch], w.conv), i64('flat', [3], [0, 0, -1])],
    nodes: [
      {
        op: 'Conv',
        inputs: ['pixel_values', 'conv_w'],
        outputs: ['c'],
        attrs: [{ name: 'strides', ints: [patch, patch] }],
      },
      { op: 'Reshape', inputs: ['c', 'flat'], outputs: ['c2'] },
      {
        op: 'Transpose',
        inputs: ['c2'],
        outputs: ['image_features'],
        attrs: [{ name: 'perm', ints: [0, 2, 1] }],
      },
    ],
  });
}

export function embedTokensModel(w: TinyWeights): Uint8Array {
  return model({
    inputs: [{ name: 'input_ids', type: INT64, dims: ['batch_size', 'sequence_length'] }],
    outputs: [{ name: 'inputs_embeds', type: FLOAT, dims: ['batch_size', 'sequence_length', w.hidden] }],
    initializers: [f('embed', [w.vocab, w.hidden], w.embed)],
    nodes: [
      {
        op: 'Gather',
        inputs: ['embed', 'input_ids'],
        outputs: ['inputs_embeds'],
        attrs: [{ name: 'axis', i: 0 }],
      },
    ],
  });
}

export function decoderModel(w: TinyWeights): Uint8Array {
  const { heads, headDim, layers } = w.cfg;
  const H = w.hidden;
  const nodes: NodeInit[] = [];
  const init: TensorInit[] = [
    i64('split_heads', [4], [0, 0, heads, headDim]),
    i64('merge_heads', [3], [0, 0, -1]),
    i64('row4', [4], [1, 1, 1, -1]),
    i64('col4', [4], [1, 1, -1, 1]),
    i64('zero', [], [0]),
    i64('one', [], [1]),
    i64('last', [], [-1]),
    f('scale', [], [1 / Math.sqrt(headDim)]),
    f('no_bias', [], [0]),
    f('masked', [], [-1e9]),
    f('lm', [H, w.vocab], w.lm),
    f('lm_bias', [w.vocab], w.lmBias),
  ];
  // Causal and padding mask from tensor ops on position_ids and attention_mask.
  nodes.push(
    { op: 'Shape', inputs: ['attention_mask'], outputs: ['am_shape'] },
    { op: 'Gather', inputs: ['am_shape', 'one'], outputs: ['total'], attrs: [{ name: 'axis', i: 0 }] },
    { op: 'Range', inputs: ['zero', 'total', 'one'], outputs: ['keys'] },
    { op: 'Reshape', inputs: ['keys', 'row4'], outputs: ['keys4'] },
    { op: 'Reshape', inputs: ['position_ids', 'col4'], outputs: ['pos4'] },
    { op: 'LessOrEqual', inputs: ['keys4', 'pos4'], outputs: ['causal'] },
    { op: 'Reshape', inputs: ['attention_mask', 'row4'], outputs: ['am4'] },
    { op: 'Equal', inputs: ['am4', 'one'], outputs: ['am_on'] },
    { op: 'And', inputs: ['causal', 'am_on'], outputs: ['allowed'] },
    { op: 'Where', inputs: ['allowed', 'no_bias', 'masked'], outputs: ['bias'] },
  );
  let x = 'inputs_embeds';
  for (let l = 0; l < layers; l++) {
    init.push(
      f(`wq${l}`, [H, H], w.wq[l]),
      f(`wk${l}`, [H, H], w.wk[l]),
      f(`wv${l}`, [H, H], w.wv[l]),
      f(`wo${l}`, [H, H], w.wo[l]),
    );
    for (const p of ['q', 'k', 'v']) {
      nodes.push(
        { op: 'MatMul', inputs: [x, `w${p}${l}`], outputs: [`${p}${l}`] },
        { op: 'Reshape', inputs: [`${p}${l}`, 'split_heads'], outputs: [`${p}${l}_s`] },
        {
          op: 'Transpose',
          inputs: [`${p}${l}_s`],
          outputs: [`${p}${l}_h`],
          attrs: [{ name: 'perm', ints: [0, 2, 1, 3] }],
        },
      );
    }
    nodes.push(
      {
        op: 'Concat',
        inputs: [`past_key_values.${l}.key`, `k${l}_h`],
        outputs: [`present.${l}.key`],
        attrs: [{ name: 'axis', i: 2 }],
      },
      {
        op: 'Concat',
        inputs: [`past_key_values.${l}.value`, `v${l}_h`],
        outputs: [`present.${l}.value`],
        attrs: [{ name: 'axis', i: 2 }],
      },
      {
        op: 'Transpose',
        inputs: [`present.${l}.key`],
        outputs: [`kt${l}`],
        attrs: [{ name: 'perm', ints: [0, 1, 3, 2] }],
      },
      { op: 'MatMul', inputs: [`q${l}_h`, `kt${l}`], outputs: [`s${l}`] },
      { op: 'Mul', inputs: [`s${l}`, 'scale'], outputs: [`ss${l}`] },
      { op: 'Add', inputs: [`ss${l}`, 'bias'], outputs: [`sm${l}`] },
      { op: 'Softmax', inputs: [`sm${l}`], outputs: [`p${l}`], attrs: [{ name: 'axis', i: -1 }] },
      { op: 'Gather', inputs: [`p${l}`, 'last'], outputs: [`pl${l}`], attrs: [{ name: 'axis', i: 2 }] },
      {
        op: 'ReduceMean',
        inputs: [`pl${l}`],
        outputs: [`decoder_attentions.${l}`],
        attrs: [
          { name: 'axes', ints: [1] },
          { name: 'keepdims', i: 0 },
        ],
      },
      { op: 'MatMul', inputs: [`p${l}`, `present.${l}.value`], outputs: [`c${l}`] },
      {
        op: 'Transpose',
        inputs: [`c${l}`],
        outputs: [`ct${l}`],
        attrs: [{ name: 'perm', ints: [0, 2, 1, 3] }],
      },
      { op: 'Reshape', inputs: [`ct${l}`, 'merge_heads'], outputs: [`cm${l}`] },
      { op: 'MatMul', inputs: [`cm${l}`, `wo${l}`], outputs: [`o${l}`] },
      { op: 'Add', inputs: [x, `o${l}`], outputs: [`x${l + 1}`] },
    );
    x = `x${l + 1}`;
  }
  nodes.push(
    { op: 'MatMul', inputs: [x, 'lm'], outputs: ['lm_out'] },
    { op: 'Add', inputs: ['lm_out', 'lm_bias'], outputs: ['logits'] },
  );
  const kv = (n: string, len: string) =>
    ({ name: n, type: FLOAT, dims: ['batch_size', heads, len, headDim] }) as const;
  return model({
    inputs: [
      { name: 'inputs_embeds', type: FLOAT, dims: ['batch_size', 'sequence_length', H] },
      { name: 'attention_mask', type: INT64, dims: ['batch_size', 'total_sequence_length'] },
      { name: 'position_ids', type: INT64, dims: ['batch_size', 'sequence_length'] },
      ...Array.from({ length: layers }, (_, l) => [
        kv(`past_key_values.${l}.key`, 'past_sequence_length'),
        kv(`past_key_values.${l}.value`, 'past_sequence_length'),
      ]).flat(),
    ],
    outputs: [
      { name: 'logits', type: FLOAT, dims: ['batch_size', 'sequence_length', w.vocab] },
      ...Array.from({ length: layers }, (_, l) => [
        kv(`present.${l}.key`, 'total_sequence_length'),
        kv(`present.${l}.value`, 'total_sequence_length'),
      ]).flat(),
      ...Array.from(
        { length: layers },
        (_, l) =>
          ({
            name: `decoder_attentions.${l}`,
            type: FLOAT,
            dims: ['batch_size', 'total_sequence_length'],
          }) as const,
      ),
    ],
    initializers: init,
    nodes,
  });
}

/** A Unigram tokenizer with a Metaspace pre-tokenizer: every word one `▁word` piece. */
export function tinyTokenizer(): object {
  const vocab: [string, number][] = [
    ...SPECIAL.map((s) => [s, 0] as [string, number]),
    ...WORDS.map((w) => [w === '?' ? '?' : `▁${w}`, -1] as [string, number]),
  ];
  // Single characters as a fallback, far less likely than whole words.
  const chars = new Set(WORDS.join('').split(''));
  for (const c of chars) if (!vocab.some(([p]) => p === c)) vocab.push([c, -20]);
  vocab.push(['▁', -10], ['<unk>', 0]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: vocab.length - 1, vocab, byte_fallback: false },
  };
}

export const TINY_TEMPLATE =
  "{% for m in messages %}<user>{% for c in m.content %}{% if c.type == 'image' %}<image>{% else %} {{ c.text }}{% endif %}{% endfor %}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

/** Writes the package to `dir` and returns its manifest. */
export function writeTinyPackage(
  dir: string,
  w: TinyWeights = tinyWeights(),
  maxNewTokens = 8,
): Record<string, unknown> {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const files: Record<string, [string, Uint8Array]> = {
    visionEncoder: ['onnx/vision_encoder.onnx', visionEncoderModel(w)],
    embedTokens: ['onnx/embed_tokens.onnx', embedTokensModel(w)],
    decoder: ['onnx/decoder_model_merged.onnx', decoderModel(w)],
    tokenizer: ['tokenizer.json', new TextEncoder().encode(JSON.stringify(tinyTokenizer()))],
  };
  const manifestFiles: Record<string, unknown> = {};
  for (const [key, [path, bytes]] of Object.entries(files)) {
    writeFileSync(join(dir, path), bytes);
    manifestFiles[key] = {
      path,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    };
  }
  const { rows, cols, patch, heads, headDim, layers } = w.cfg;
  const manifest = {
    format: 'real-model-package',
    version: 1,
    name: 'tiny-test-vlm',
    family: 'real-demo',
    description: 'random weights, for tests',
    files: manifestFiles,
    image: {
      width: cols * patch,
      height: rows * patch,
      rescale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      layout: 'NCHW',
      resample: 'bilinear',
    },
    grid: { rows, cols },
    decoder: {
      numLayers: layers,
      numKeyValueHeads: heads,
      headDim,
      hiddenSize: w.hidden,
      vocabSize: w.vocab,
      attentionOutput: 'decoder_attentions.{layer}',
    },
    prompt: {
      question: 'Are there any defects or anomalies in the image?',
      chatTemplate: TINY_TEMPLATE,
      imageToken: '<image>',
      imageTokensPerImage: rows * cols,
    },
    specialTokens: {
      eos: '<eos>',
      pad: '<pad>',
      image: '<image>',
      thinkStart: '<think>',
      thinkEnd: '</think>',
      answerStart: '<answer>',
      answerEnd: '</answer>',
    },
    generation: { maxNewTokens, stopTokens: ['<eos>'], yesToken: '▁yes', noToken: '▁no' },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
