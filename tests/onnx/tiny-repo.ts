/**
 * Generated tiny Hugging Face ONNX repos, one per model family shape, for
 * end-to-end tests of the repo loader, the adapters, the patcher and the
 * engine: the real file layout and config keys, a tiny tokenizer with the
 * family's special tokens, the family's chat template, and fp32 graphs with
 * the real input/output names and ranks (see tiny-repo-graphs.ts), whose
 * weights plant a known answer and a known attention map
 * (tiny-repo-weights.ts; where the bright square goes: tiny-repo-image.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  decoderGraph,
  embedTokensGraph,
  visionEncoderGraph,
  type DecoderSpec,
  type VisionSpec,
} from './tiny-repo-graphs';
import { familyDef, SHAPE, textConfig, WORDS, type Json } from './tiny-repo-families';
import type { TinyTokenizer } from './tiny-repo-tokenizer';
import { randomTinyWeights, tinyWeights, type TinyWeights } from './tiny-repo-weights';

export const TINY_FAMILIES = [
  'qwen2_vl',
  'qwen2_5_vl',
  'qwen3_5',
  'qwen3_5_hybrid',
  'idefics3',
  'smolvlm',
  'gemma3',
] as const;
export type TinyFamily = (typeof TINY_FAMILIES)[number];

/** Extra file suffixes that may be written as byte copies of the fp32 graphs (not fp16 ones: those change I/O types). */
export const COPY_DTYPES = {
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  bnb4: '_bnb4',
} as const;
export type CopyDtype = keyof typeof COPY_DTYPES;

export type TemplatePlace = 'chat_template.jinja' | 'chat_template.json' | 'tokenizer_config.json';

export interface TinyRepoOptions {
  /**
   * The word the model answers inside `<answer> … </answer>`: always 'yes'
   * (the default) or 'no', or 'bright': yes when the attended image region is
   * bright (a cell at least about half white, as a planted square makes it),
   * no on a dark image, with P(yes) = sigmoid(40 · (attended brightness − 0.25)).
   */
  answer?: 'yes' | 'no' | 'bright';
  /** The reasoning words between `<think>` and `</think>`: distinct, at most 7; default the, scratch, is, bright. */
  reasoning?: string[];
  /** Also write these dtypes' file names, as copies of the fp32 graphs; default none. */
  dtypes?: CopyDtype[];
  /** Where the chat template goes; default where the family's real repos keep it (FamilyDef.templateIn). */
  templateIn?: TemplatePlace;
  /**
   * config.json `transformers.js_config.dtype`; default 'fp32' when only fp32
   * files are written (so a wasm run does not look for `_quantized`), none otherwise.
   */
  configDtype?: string | null;
  /** Tests only: the decoder also outputs each softmax layer's probabilities as `probs.L` [B, heads, S, T]. */
  exposeProbs?: boolean;
  /** An Optimum-style merged decoder: `use_cache_branch` picks an If's branch with or without the past. */
  ifMerged?: boolean;
  /**
   * Random weights of the same graphs, from this seed (randomTinyWeights):
   * nothing planted, so `answer` and `darkAnswer` say nothing of what it writes.
   */
  randomWeights?: number;
  /**
   * float16 embeddings, as some fp16 exports have them: `output` from
   * embed_tokens, `input` into the decoder, or `both`.
   */
  float16Embeddings?: 'output' | 'input' | 'both';
}

export interface TinyAnswer {
  ids: number[];
  tokens: string[];
  text: string;
}

/** What a repo is made of, for tests to check against. */
export interface TinyRepo {
  family: TinyFamily;
  /** config.json model_type. */
  modelType: string;
  /** Every file, by repo path. */
  files: Map<string, Uint8Array>;
  weights: TinyWeights;
  tokenizer: TinyTokenizer;
  /** The answer the model writes (for answer 'bright': on a planted image): token ids (eos last), their vocabulary strings, and the decoded text before eos. */
  answer: TinyAnswer;
  /** The answer on an all-dark image (the same as `answer` unless answer is 'bright'). */
  darkAnswer: TinyAnswer;
  /** The image placeholder token (`<|image_pad|>`, `<image>`, `<image_soft_token>`). */
  imageToken: { token: string; id: number };
  /** generation_config.json eos_token_id (the answer ends with the first). */
  eosTokenIds: number[];
  chatTemplate: string;
  /** The files that hold the chat template. */
  templateIn: TemplatePlace[];
  vision: VisionSpec;
  decoder: DecoderSpec;
  /** Decoder layers that have softmax attention (the ones the patcher taps). */
  attentionLayers: number[];
  /** Vision encoder's input names, in order. */
  visionInputs: string[];
}

const json = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);

/** Builds a repo in memory. */
export function tinyRepo(family: TinyFamily, options: TinyRepoOptions = {}): TinyRepo {
  if (!(TINY_FAMILIES as readonly string[]).includes(family))
    throw new Error(`unknown tiny family ${JSON.stringify(family)} (known: ${TINY_FAMILIES.join(', ')})`);
  const def = familyDef(family);
  const tok = def.tokenizer;
  const reasoning = options.reasoning ?? ['the', 'scratch', 'is', 'bright'];
  for (const w of reasoning)
    if (!WORDS.includes(w))
      throw new Error(
        `reasoning word ${JSON.stringify(w)} is not in the tiny vocabulary (${WORDS.join(' ')})`,
      );
  const mode = options.answer ?? 'yes';
  if (mode !== 'yes' && mode !== 'no' && mode !== 'bright')
    throw new Error(`answer is 'yes', 'no' or 'bright', not ${JSON.stringify(mode)}`);
  const chainFor = (word: 'yes' | 'no'): TinyAnswer => {
    const tokens = [
      '<think>',
      ...reasoning.map((w) => tok.wordToken(w, true)),
      '</think>',
      '<answer>',
      tok.wordToken(word, true),
      '</answer>',
      def.eos[0],
    ];
    const decoded = tokens.slice(0, -1).join('');
    return {
      ids: tokens.map((t) => tok.id(t)),
      tokens,
      text: family === 'gemma3' ? decoded.replaceAll('▁', ' ') : byteLevelText(decoded),
    };
  };
  const answer = chainFor(mode === 'no' ? 'no' : 'yes');
  const darkAnswer = mode === 'bright' ? chainFor('no') : answer;
  const imageId = tok.id(def.imageToken);
  const designed = tinyWeights({
    vocab: tok.vocab.length,
    chain: answer.ids,
    imageTokens: [imageId],
    layerKinds: def.layerKinds,
    ...(mode === 'bright' && {
      brightAnswer: { yes: tok.id(tok.wordToken('yes', true)), no: tok.id(tok.wordToken('no', true)) },
    }),
  });
  const weights =
    options.randomWeights === undefined ? designed : randomTinyWeights(designed, options.randomWeights);
  const decoder: DecoderSpec = {
    ...def.decoder,
    exposeProbs: options.exposeProbs ?? false,
    ifMerged: options.ifMerged ?? false,
    float16Embeds: options.float16Embeddings === 'input' || options.float16Embeddings === 'both',
  };
  const text = textConfig(tok.vocab.length, SHAPE, def.layerKinds.length);
  const config = def.config(tok, text);
  const dtypes = options.dtypes ?? [];
  const configDtype =
    options.configDtype === undefined ? (dtypes.length ? null : 'fp32') : options.configDtype;
  if (configDtype !== null) config['transformers.js_config'] = { dtype: configDtype };

  const files = new Map<string, Uint8Array>();
  files.set('config.json', json(config));
  files.set('generation_config.json', json(def.generation(tok)));
  files.set('preprocessor_config.json', json(def.preprocessor));
  if (def.processor) files.set('processor_config.json', json(def.processor));
  files.set('tokenizer.json', json(tok.json));
  const places = options.templateIn ? [options.templateIn] : def.templateIn;
  const tokenizerConfig: Json = { ...def.tokenizerConfig };
  if (places.includes('tokenizer_config.json')) tokenizerConfig.chat_template = def.template;
  files.set('tokenizer_config.json', json(tokenizerConfig));
  if (places.includes('chat_template.jinja'))
    files.set('chat_template.jinja', new TextEncoder().encode(def.template));
  if (places.includes('chat_template.json'))
    files.set('chat_template.json', json({ chat_template: def.template }));
  const graphs: [string, Uint8Array][] = [
    ['vision_encoder', visionEncoderGraph(weights, def.vision)],
    [
      'embed_tokens',
      embedTokensGraph(
        weights,
        options.float16Embeddings === 'output' || options.float16Embeddings === 'both',
      ),
    ],
    ['decoder_model_merged', decoderGraph(weights, decoder)],
  ];
  for (const [name, bytes] of graphs) {
    files.set(`onnx/${name}.onnx`, bytes);
    for (const d of dtypes) {
      if (!Object.hasOwn(COPY_DTYPES, d))
        throw new Error(
          `dtype ${JSON.stringify(d)} cannot be a copy of fp32 (use one of ${Object.keys(COPY_DTYPES).join(', ')})`,
        );
      files.set(`onnx/${name}${COPY_DTYPES[d]}.onnx`, bytes);
    }
  }
  const visionInputs =
    def.vision.shape === 'qwen'
      ? ['pixel_values', def.vision.gridInput!]
      : def.vision.shape === 'idefics3'
        ? ['pixel_values', 'pixel_attention_mask']
        : ['pixel_values'];
  return {
    family,
    modelType: def.modelType,
    files,
    weights,
    tokenizer: tok,
    answer,
    darkAnswer,
    imageToken: { token: def.imageToken, id: imageId },
    eosTokenIds: def.eos.map((t) => tok.id(t)),
    chatTemplate: def.template,
    templateIn: places,
    vision: def.vision,
    decoder,
    attentionLayers: def.layerKinds.flatMap((k, l) => (k === 'attention' ? [l] : [])),
    visionInputs,
  };
}

/** Byte-level token text as people read it (the words here are ASCII: Ġ is a space). */
function byteLevelText(s: string): string {
  return s.replaceAll('Ġ', ' ').replaceAll('Ċ', '\n');
}

/** Writes the repo under `dir` (created if needed) and returns what it is made of. */
export function writeTinyRepo(dir: string, family: TinyFamily, options: TinyRepoOptions = {}): TinyRepo {
  const repo = tinyRepo(family, options);
  for (const [path, bytes] of repo.files) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  return repo;
}
