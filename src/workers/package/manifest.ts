/**
 * The model package manifest (`manifest.json`, format "real-model-package"
 * v1): which files make the model, with hashes; how images become the
 * model's input and its grid; where the decoder's attention rows come out;
 * the prompt, special tokens and generation defaults. A new model family is
 * a new adapter (src/workers/adapters) reading the same manifest.
 */

import { PackagePathError, packagePath } from './package-path';

export interface PackageFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ModelManifest {
  format: 'real-model-package';
  version: 1;
  name: string;
  family: string;
  description?: string;
  files: {
    visionEncoder: PackageFile;
    embedTokens: PackageFile;
    decoder: PackageFile;
    tokenizer: PackageFile;
    /** tokenizer_config.json (e.g. clean_up_tokenization_spaces), when the package has one. */
    tokenizerConfig?: PackageFile;
  };
  image: {
    width: number;
    height: number;
    rescale: number;
    mean: [number, number, number];
    std: [number, number, number];
    layout: 'NCHW';
    resample: 'bilinear';
  };
  grid: { rows: number; cols: number };
  decoder: {
    numLayers: number;
    numKeyValueHeads: number;
    headDim: number;
    hiddenSize: number;
    vocabSize?: number;
    /** The most sequence positions the decoder takes (prompt + generated). */
    maxPositions?: number;
    /** Output name of layer l's last-query, head-averaged attention row, with `{layer}` for l. */
    attentionOutput: string;
  };
  prompt: { question: string; chatTemplate: string; imageToken: string; imageTokensPerImage: number };
  specialTokens: Record<string, string>;
  generation: { maxNewTokens: number; stopTokens: string[]; yesToken: string; noToken?: string };
}

export const FILE_KEYS = ['visionEncoder', 'embedTokens', 'decoder', 'tokenizer'] as const;
export const OPTIONAL_FILE_KEYS = ['tokenizerConfig'] as const;
export type RequiredFileKey = (typeof FILE_KEYS)[number];
export type FileKey = RequiredFileKey | (typeof OPTIONAL_FILE_KEYS)[number];
/** The three ONNX files of a package. */
export type OnnxFileKey = Exclude<RequiredFileKey, 'tokenizer'>;

/** A manifest that breaks the format; the message names the field. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

type J = Record<string, unknown>;

function obj(v: unknown, field: string): J {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ManifestError(`manifest ${field}: expected an object`);
  return v as J;
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '')
    throw new ManifestError(`manifest ${field}: expected a non-empty string`);
  return v;
}
function posInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ManifestError(`manifest ${field}: expected a whole number ≥ 1`);
  return v;
}
function num(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ManifestError(`manifest ${field}: expected a number`);
  return v;
}
function triple(v: unknown, field: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3)
    throw new ManifestError(`manifest ${field}: expected three numbers (R, G, B)`);
  return [num(v[0], `${field}[0]`), num(v[1], `${field}[1]`), num(v[2], `${field}[2]`)];
}

export function validateManifest(json: unknown): ModelManifest {
  const m = obj(json, '(root)');
  if (m.format !== 'real-model-package')
    throw new ManifestError('manifest format: expected "real-model-package"');
  if (m.version !== 1)
    throw new ManifestError(
      `manifest version: unknown version ${JSON.stringify(m.version)}; this app reads version 1`,
    );
  const files = obj(m.files, 'files');
  const outFiles = {} as ModelManifest['files'];
  const readFile = (key: FileKey): PackageFile => {
    const f = obj(files[key], `files.${key}`);
    const sha = str(f.sha256, `files.${key}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha))
      throw new ManifestError(`manifest files.${key}.sha256: expected 64 lower-case hex digits`);
    let path: string;
    try {
      path = packagePath(str(f.path, `files.${key}.path`), `files.${key}.path`);
    } catch (e) {
      if (e instanceof PackagePathError) throw new ManifestError(`manifest ${e.message}`, { cause: e });
      throw e;
    }
    return { path, sha256: sha, bytes: posInt(f.bytes, `files.${key}.bytes`) };
  };
  for (const key of FILE_KEYS) outFiles[key] = readFile(key);
  for (const key of OPTIONAL_FILE_KEYS) if (files[key] !== undefined) outFiles[key] = readFile(key);
  const image = obj(m.image, 'image');
  const std = triple(image.std, 'image.std');
  if (std.some((s) => s <= 0)) throw new ManifestError('manifest image.std: expected numbers > 0');
  const grid = obj(m.grid, 'grid');
  const decoder = obj(m.decoder, 'decoder');
  const prompt = obj(m.prompt, 'prompt');
  const special = obj(m.specialTokens, 'specialTokens');
  const gen = obj(m.generation, 'generation');
  const attentionOutput = str(decoder.attentionOutput, 'decoder.attentionOutput');
  if (!attentionOutput.includes('{layer}'))
    throw new ManifestError('manifest decoder.attentionOutput: expected a name with {layer} in it');
  const stopTokens = gen.stopTokens;
  if (!Array.isArray(stopTokens) || stopTokens.length === 0)
    throw new ManifestError('manifest generation.stopTokens: expected a list of token strings');
  return {
    format: 'real-model-package',
    version: 1,
    name: str(m.name, 'name'),
    family: str(m.family, 'family'),
    description: typeof m.description === 'string' ? m.description : undefined,
    files: outFiles,
    image: {
      width: posInt(image.width, 'image.width'),
      height: posInt(image.height, 'image.height'),
      rescale: num(image.rescale, 'image.rescale'),
      mean: triple(image.mean, 'image.mean'),
      std,
      layout: 'NCHW',
      resample: 'bilinear',
    },
    grid: { rows: posInt(grid.rows, 'grid.rows'), cols: posInt(grid.cols, 'grid.cols') },
    decoder: {
      numLayers: posInt(decoder.numLayers, 'decoder.numLayers'),
      numKeyValueHeads: posInt(decoder.numKeyValueHeads, 'decoder.numKeyValueHeads'),
      headDim: posInt(decoder.headDim, 'decoder.headDim'),
      hiddenSize: posInt(decoder.hiddenSize, 'decoder.hiddenSize'),
      vocabSize: decoder.vocabSize === undefined ? undefined : posInt(decoder.vocabSize, 'decoder.vocabSize'),
      maxPositions:
        decoder.maxPositions === undefined ? undefined : posInt(decoder.maxPositions, 'decoder.maxPositions'),
      attentionOutput,
    },
    prompt: {
      question: str(prompt.question, 'prompt.question'),
      chatTemplate: str(prompt.chatTemplate, 'prompt.chatTemplate'),
      imageToken: str(prompt.imageToken, 'prompt.imageToken'),
      imageTokensPerImage: posInt(prompt.imageTokensPerImage, 'prompt.imageTokensPerImage'),
    },
    specialTokens: Object.fromEntries(
      Object.entries(special).map(([k, v]) => [k, str(v, `specialTokens.${k}`)]),
    ),
    generation: {
      maxNewTokens: posInt(gen.maxNewTokens, 'generation.maxNewTokens'),
      stopTokens: stopTokens.map((t, i) => str(t, `generation.stopTokens[${i}]`)),
      yesToken: str(gen.yesToken, 'generation.yesToken'),
      noToken: gen.noToken === undefined ? undefined : str(gen.noToken, 'generation.noToken'),
    },
  };
}
