/**
 * The small files of a Hugging Face repo, parsed and merged: config.json
 * (its `model_type` picks the family), generation_config.json,
 * preprocessor_config.json completed by processor_config.json,
 * tokenizer.json, tokenizer_config.json and the chat template. Pure: it gets
 * the bytes, it fetches nothing. Every bad file is one HubError naming it.
 */
import { isKnownFamily, KNOWN_FAMILIES } from '../adapters/hf-families';
import { dtypeOf, type Dtype } from './dtypes';
import { HubError, messageOf } from './hub-error';
import { checkTokenizerJson } from './tokenizer-file';

export type JsonObject = Record<string, unknown>;

/** A config.json `model_type` that has an adapter (the one list is the adapters' registry). */
export type HubFamily = string;

/** The files parseRepoConfig reads (all at the repo root). */
export const CONFIG_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'tokenizer_config.json',
  'chat_template.jinja',
  'chat_template.json',
  'tokenizer.json',
] as const;
export type ConfigFile = (typeof CONFIG_FILES)[number];
export type RepoFiles = Partial<Record<ConfigFile, Uint8Array | string>>;

/** `use_external_data_format`: a count (or true = 1) for every graph, or per file name. */
export type ExternalDataFormat = number | boolean | Record<string, number | boolean>;

export interface TransformersJsConfig {
  /** How many `.onnx_data[_N]` files each graph has, by `name_suffix.onnx` or `name`. */
  useExternalDataFormat: ExternalDataFormat | null;
  /** The dtype config.json asks for: one, or per file stem (`decoder_model_merged`). */
  dtype: Dtype | Record<string, Dtype> | null;
  /** Per-device overrides (`device_config.webgpu.dtype`, …), already parsed. */
  deviceConfig: Record<
    string,
    { dtype?: Dtype | Record<string, Dtype>; useExternalDataFormat?: ExternalDataFormat }
  >;
  /** The KV cache's element type per dtype (`{"q4f16": "float16"}`), as given. */
  kvCacheDtype: string | Record<string, string> | null;
}

export interface GenerationSettings {
  /** Token ids that end generation: generation_config.json's eos_token_id, else config.json's. */
  eosTokenIds: number[];
  bosTokenId: number | null;
  padTokenId: number | null;
  doSample: boolean | null;
  temperature: number | null;
  topK: number | null;
  topP: number | null;
  /** Applied by transformers whether it samples or not; 1 (or null) is none. */
  repetitionPenalty: number | null;
  /** Where eosTokenIds came from. */
  from: 'generation_config.json' | 'config.json' | null;
  /** Where do_sample, temperature, top_k, top_p and repetition_penalty were read. */
  samplingFrom: 'generation_config.json' | 'config.json';
}

export interface RepoConfig {
  family: HubFamily;
  /** config.json as it is. */
  config: JsonObject;
  /** `text_config`, or config.json itself when it has none. */
  textConfig: JsonObject;
  visionConfig: JsonObject | null;
  transformersJs: TransformersJsConfig;
  generation: GenerationSettings;
  /**
   * preprocessor_config.json, with the keys it lacks taken from
   * processor_config.json's `image_processor` (do_normalize, resample, … are
   * often only there); null when the repo has neither.
   */
  preprocessor: JsonObject | null;
  /** processor_config.json's own keys (image_seq_len, …), its `*_processor` sections left out. */
  processor: JsonObject | null;
  tokenizerConfig: JsonObject | null;
  /** tokenizer.json parsed (what `new Tokenizer(json, config)` takes), when it was given. */
  tokenizerJson: JsonObject | null;
  chatTemplate: string | null;
  chatTemplateFrom: 'chat_template.jinja' | 'chat_template.json' | 'tokenizer_config.json' | null;
}

function text(bytes: Uint8Array | string, file: string): string {
  if (typeof bytes === 'string') return bytes.replace(/^\uFEFF/, '');
  try {
    // fatal: a file that is not UTF-8 is named, not read as U+FFFD soup.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HubError(file, 'is not UTF-8 text');
  }
}

function jsonObject(bytes: Uint8Array | string, file: string): JsonObject {
  let v: unknown;
  try {
    v = JSON.parse(text(bytes, file));
  } catch (e) {
    if (e instanceof HubError) throw e;
    throw new HubError(file, `is not JSON (${messageOf(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new HubError(file, 'is not a JSON object');
  return v as JsonObject;
}

function optObject(v: unknown, file: string, field: string): JsonObject | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HubError(file, `${field}: expected an object`);
  return v as JsonObject;
}

function tokenId(v: unknown, file: string, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new HubError(file, `${field}: expected a token id (a whole number ≥ 0), got ${JSON.stringify(v)}`);
  return v;
}

function tokenIds(v: unknown, file: string, field: string): number[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x, i) => tokenId(x, file, `${field}[${i}]`));
  return [tokenId(v, file, field)];
}

function optNumber(v: unknown, file: string, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new HubError(file, `${field}: expected a finite number`);
  return v;
}

function externalDataFormat(v: unknown, field: string): ExternalDataFormat | null {
  if (v === undefined || v === null) return null;
  const count = (x: unknown, f: string): number | boolean => {
    if (typeof x === 'boolean') return x;
    if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 100) return x;
    throw new HubError('config.json', `${f}: expected true, false or a count from 0 to 100`);
  };
  if (typeof v !== 'object' || Array.isArray(v)) return count(v, field);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, count(x, `${field}.${k}`)]));
}

function dtypeSetting(v: unknown, field: string): Dtype | Record<string, Dtype> | null {
  if (v === undefined || v === null || v === 'auto') return null;
  const one = (x: unknown, f: string): Dtype => {
    const d = dtypeOf(x);
    if (!d) throw new HubError('config.json', `${f}: unknown dtype ${JSON.stringify(x)}`);
    return d;
  };
  if (typeof v === 'string') return one(v, field);
  if (typeof v !== 'object' || Array.isArray(v))
    throw new HubError('config.json', `${field}: expected a dtype`);
  const out: Record<string, Dtype> = {};
  for (const [k, x] of Object.entries(v)) if (x !== 'auto') out[k] = one(x, `${field}.${k}`);
  return out;
}

function transformersJs(config: JsonObject): TransformersJsConfig {
  const field = 'transformers.js_config';
  const t = optObject(config[field], 'config.json', field) ?? {};
  const deviceConfig: TransformersJsConfig['deviceConfig'] = {};
  const dc = optObject(t.device_config, 'config.json', `${field}.device_config`) ?? {};
  for (const [device, v] of Object.entries(dc)) {
    const o = optObject(v, 'config.json', `${field}.device_config.${device}`) ?? {};
    const dtype = dtypeSetting(o.dtype, `${field}.device_config.${device}.dtype`);
    const ext = externalDataFormat(
      o.use_external_data_format,
      `${field}.device_config.${device}.use_external_data_format`,
    );
    deviceConfig[device] = {
      ...(dtype !== null && { dtype }),
      ...(ext !== null && { useExternalDataFormat: ext }),
    };
  }
  const kv = t.kv_cache_dtype;
  return {
    useExternalDataFormat: externalDataFormat(
      t.use_external_data_format,
      `${field}.use_external_data_format`,
    ),
    dtype: dtypeSetting(t.dtype, `${field}.dtype`),
    deviceConfig,
    kvCacheDtype:
      typeof kv === 'string' || (typeof kv === 'object' && kv !== null && !Array.isArray(kv))
        ? (kv as string | Record<string, string>)
        : null,
  };
}

function family(config: JsonObject): HubFamily {
  const t = config.model_type;
  if (typeof t !== 'string' || t === '')
    throw new HubError('config.json', `has no model_type (known families: ${KNOWN_FAMILIES.join(', ')})`);
  // An own-key lookup, never a property lookup: "constructor" is not a family.
  if (!isKnownFamily(t))
    throw new HubError(
      'config.json',
      `model_type ${JSON.stringify(t)} is not a supported family (known: ${KNOWN_FAMILIES.join(', ')})`,
    );
  return t as HubFamily;
}

function generation(gen: JsonObject | null, config: JsonObject, textConfig: JsonObject): GenerationSettings {
  const file = gen ? 'generation_config.json' : 'config.json';
  const src = gen ?? config;
  let eos = gen ? tokenIds(gen.eos_token_id, file, 'eos_token_id') : [];
  let from: GenerationSettings['from'] = eos.length ? 'generation_config.json' : null;
  if (!eos.length) {
    eos = tokenIds(config.eos_token_id, 'config.json', 'eos_token_id');
    if (!eos.length && textConfig !== config)
      eos = tokenIds(textConfig.eos_token_id, 'config.json', 'text_config.eos_token_id');
    if (eos.length) from = 'config.json';
  }
  const one = (field: string): number | null => {
    const ids = tokenIds(src[field], file, field);
    return ids.length ? ids[0] : null;
  };
  const doSample = src.do_sample;
  if (doSample !== undefined && doSample !== null && typeof doSample !== 'boolean')
    throw new HubError(file, 'do_sample: expected true or false');
  const topK = optNumber(src.top_k, file, 'top_k');
  if (topK !== null && (!Number.isInteger(topK) || topK < 0))
    throw new HubError(file, 'top_k: expected a whole number ≥ 0');
  const temperature = optNumber(src.temperature, file, 'temperature');
  if (temperature !== null && temperature < 0) throw new HubError(file, 'temperature: expected a number ≥ 0');
  const topP = optNumber(src.top_p, file, 'top_p');
  if (topP !== null && !(topP >= 0 && topP <= 1))
    throw new HubError(file, 'top_p: expected a number from 0 to 1');
  const repetitionPenalty = optNumber(src.repetition_penalty, file, 'repetition_penalty');
  if (repetitionPenalty !== null && !(repetitionPenalty > 0))
    throw new HubError(file, 'repetition_penalty: expected a number above 0');
  return {
    eosTokenIds: [...new Set(eos)],
    bosTokenId: one('bos_token_id'),
    padTokenId: one('pad_token_id'),
    doSample: typeof doSample === 'boolean' ? doSample : null,
    temperature,
    topK,
    topP,
    repetitionPenalty,
    from,
    samplingFrom: file,
  };
}

function chatTemplate(
  files: RepoFiles,
  tokenizerConfig: JsonObject | null,
): Pick<RepoConfig, 'chatTemplate' | 'chatTemplateFrom'> {
  if (files['chat_template.jinja'] !== undefined) {
    const t = text(files['chat_template.jinja'], 'chat_template.jinja');
    if (t.trim() === '') throw new HubError('chat_template.jinja', 'is empty');
    return { chatTemplate: t, chatTemplateFrom: 'chat_template.jinja' };
  }
  if (files['chat_template.json'] !== undefined) {
    const t = jsonObject(files['chat_template.json'], 'chat_template.json').chat_template;
    if (typeof t !== 'string' || t.trim() === '')
      throw new HubError('chat_template.json', 'chat_template: expected the template as a string');
    return { chatTemplate: t, chatTemplateFrom: 'chat_template.json' };
  }
  const t = tokenizerConfig?.chat_template;
  if (t === undefined || t === null) return { chatTemplate: null, chatTemplateFrom: null };
  if (typeof t === 'string' && t.trim() !== '')
    return { chatTemplate: t, chatTemplateFrom: 'tokenizer_config.json' };
  // The list form: [{name: "default", template: "…"}, {name: "tool_use", …}].
  if (Array.isArray(t)) {
    const named = t.find(
      (x) => typeof x === 'object' && x !== null && (x as JsonObject).name === 'default',
    ) as JsonObject | undefined;
    if (named && typeof named.template === 'string')
      return { chatTemplate: named.template, chatTemplateFrom: 'tokenizer_config.json' };
  }
  throw new HubError(
    'tokenizer_config.json',
    'chat_template: expected a template string (or a "default" entry)',
  );
}

/** Reads the repo's small files (any may be absent but config.json). */
export function parseRepoConfig(files: RepoFiles): RepoConfig {
  if (files['config.json'] === undefined)
    throw new HubError(
      'config.json',
      'is missing: a Hugging Face model repo needs it (its model_type picks the family)',
    );
  const config = jsonObject(files['config.json'], 'config.json');
  const fam = family(config);
  const textConfig = optObject(config.text_config, 'config.json', 'text_config') ?? config;
  const visionConfig = optObject(config.vision_config, 'config.json', 'vision_config');
  const gen =
    files['generation_config.json'] === undefined
      ? null
      : jsonObject(files['generation_config.json'], 'generation_config.json');
  const pre =
    files['preprocessor_config.json'] === undefined
      ? null
      : jsonObject(files['preprocessor_config.json'], 'preprocessor_config.json');
  const proc =
    files['processor_config.json'] === undefined
      ? null
      : jsonObject(files['processor_config.json'], 'processor_config.json');
  const imageProcessor = proc
    ? optObject(proc.image_processor, 'processor_config.json', 'image_processor')
    : null;
  const preprocessor = pre || imageProcessor ? { ...(imageProcessor ?? {}), ...(pre ?? {}) } : null;
  const processor = proc
    ? Object.fromEntries(Object.entries(proc).filter(([k]) => !k.endsWith('_processor')))
    : null;
  const tokenizerConfig =
    files['tokenizer_config.json'] === undefined
      ? null
      : jsonObject(files['tokenizer_config.json'], 'tokenizer_config.json');
  let tokenizerJson: JsonObject | null = null;
  if (files['tokenizer.json'] !== undefined) {
    tokenizerJson = checkTokenizerJson(jsonObject(files['tokenizer.json'], 'tokenizer.json'));
  }
  return {
    family: fam,
    config,
    textConfig,
    visionConfig,
    transformersJs: transformersJs(config),
    generation: generation(gen, config, textConfig),
    preprocessor,
    processor,
    tokenizerConfig,
    tokenizerJson,
    ...chatTemplate(files, tokenizerConfig),
  };
}
