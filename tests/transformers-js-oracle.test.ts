/**
 * transformers.js as an independent oracle (issue 18; a devDependency, never
 * in the app). For each family's tiny repo, with its designed weights and
 * with random weights of the same graphs, the project's engine and
 * transformers.js each run the repo folder their own way
 * (tests/onnx/transformers-js-run.ts), and these must be equal: the prompt's
 * input_ids (the chat template, the image's tokens, the tokenizer), the
 * pixel values (to float rounding), every decoder call's position ids, its
 * lengths and use_cache_branch, and every generated token, with each one's
 * default generation from generation_config.json (the repetition penalty
 * included; Qwen3.5 and Gemma 3 sample, drawn from one seed).
 *
 * Where they must differ, the test says why: transformers.js 4.3.2 has no
 * top-p (its TopPLogitsWarper is a commented-out TODO in
 * `_get_logits_processor`), so the sampled families run the project with
 * top-p 1; and transformers.js resizes with sharp, the project and Python
 * with PIL's filters, so a small image upscaled by Gemma 3's processor is
 * checked against PIL instead (statistics in tests/fixtures/pil, and the
 * whole image when Debian's python3-pil is installed). Nor is it an oracle
 * for float16 embeddings (tests/float16-embeddings.test.ts says why).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerateOptions } from '../src/workers/engine/generate';
import type { RgbaImage } from '../src/workers/engine/image';
import { TINY_FAMILIES, writeTinyRepo, type TinyFamily } from './onnx/tiny-repo';
import {
  projectGeneration,
  transformersJsGeneration,
  type Generation,
  type TransformersJs,
} from './onnx/transformers-js-run';

let skipped = '';
const tjs: TransformersJs | null = await import('@huggingface/transformers').catch((e: Error) => {
  skipped = `@huggingface/transformers cannot be loaded (${e.message.split('\n')[0]})`;
  return null;
});
if (!tjs) console.warn(`transformers.js oracle skipped: ${skipped}`);

const QUESTION = 'Are there any defects or anomalies in the image?';
const SEED = 1234;
const root = mkdtempSync(join(tmpdir(), 'tjs-oracle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Sizes each processor keeps as they are (no resampling, so both runtimes
 * see the same pixels): Qwen2-VL's multiples of 28 within its pixel bounds,
 * Qwen3.5's 256 × 256, Idefics3's 1024 × 1024 (its 512-px tiles cut
 * exactly; the global image is the one resized), Gemma 3's 896 × 896.
 */
const SIZE: Record<TinyFamily, [number, number]> = {
  qwen2_vl: [224, 168],
  qwen2_5_vl: [224, 168],
  qwen3_5: [256, 256],
  qwen3_5_hybrid: [256, 256],
  idefics3: [1024, 1024],
  smolvlm: [1024, 1024],
  gemma3: [896, 896],
};

/** A textured dark image with a bright square in its upper right. */
function image(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const bright = x > width * 0.6 && x < width * 0.75 && y > height * 0.2 && y < height * 0.35;
      for (let c = 0; c < 3; c++) data[i + c] = bright ? 250 : 20 + ((x * 7 + y * 13 + c * 5) % 40);
      data[i + 3] = 255;
    }
  return { width, height, data };
}

/** Families whose generation_config.json samples (do_sample with top-k > 1). */
const SAMPLED = new Set<TinyFamily>(['qwen3_5', 'qwen3_5_hybrid', 'gemma3']);

/** Native sizing: the image as the model's processor takes it (the CLI's and app's paper sizing would resize it first). */
const NATIVE: GenerateOptions = { sizing: { mode: 'native' } };

interface Case {
  family: TinyFamily;
  weights: 'designed' | 'random';
  ifMerged?: boolean;
}
const CASES: Case[] = [
  ...TINY_FAMILIES.flatMap((family) => [
    { family, weights: 'designed' as const },
    { family, weights: 'random' as const },
  ]),
  { family: 'qwen2_vl', weights: 'random', ifMerged: true },
];

async function both(c: Case, project: GenerateOptions = {}) {
  const name = `${c.family}-${c.weights}${c.ifMerged ? '-merged' : ''}`;
  const dir = join(root, name);
  const repo = writeTinyRepo(dir, c.family, {
    ...(c.weights === 'random' ? { randomWeights: 5 } : { answer: 'bright' as const }),
    ifMerged: c.ifMerged,
  });
  const img = image(...SIZE[c.family]);
  const maxNewTokens = c.weights === 'random' ? 24 : 16;
  const sampled = SAMPLED.has(c.family);
  const ours = await projectGeneration(dir, img, {
    maxNewTokens,
    ...NATIVE,
    ...project,
    sampling: { ...(sampled ? { topP: 1, seed: SEED } : {}), ...project.sampling },
  });
  const theirs = await transformersJsGeneration(tjs!, root, name, img, {
    question: QUESTION,
    maxNewTokens,
    seed: sampled ? SEED : undefined,
  });
  return { repo, ours, theirs, maxNewTokens };
}

const firstDifference = (a: number[], b: number[]) => {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
};

function expectSamePixels(ours: Generation, theirs: Generation) {
  expect(ours.pixelDims).toEqual(theirs.pixelDims);
  let worst = 0;
  for (let i = 0; i < ours.pixelValues.length; i++)
    worst = Math.max(worst, Math.abs(ours.pixelValues[i] - theirs.pixelValues[i]));
  expect(worst).toBeLessThan(1e-5);
}

describe.skipIf(tjs === null)('the project against transformers.js on the tiny repos', () => {
  for (const c of CASES) {
    const what = `${c.family}${c.ifMerged ? ' (If-merged decoder)' : ''}, ${c.weights} weights`;
    it(`${what}: input_ids, pixels, every decoder call and every token equal transformers.js's`, async () => {
      const { repo, ours, theirs, maxNewTokens } = await both(c);
      expect(ours.inputIds).toEqual(theirs.inputIds);
      expectSamePixels(ours, theirs);
      // The model's own settings, as transformers reads generation_config.json.
      expect(ours.start.generation).toMatchObject({
        greedy: !SAMPLED.has(c.family) && !c.family.startsWith('qwen2'),
        repetitionPenalty: c.family.startsWith('qwen2') ? 1.05 : 1,
        maxTokens: maxNewTokens,
      });
      expect(firstDifference(ours.tokens, theirs.tokens)).toBe(-1);
      expect(ours.tokens.length).toBeGreaterThan(c.weights === 'random' ? 8 : 5);
      if (c.weights === 'designed') expect(ours.tokens).toEqual(repo.answer.ids);
      // transformers.js calls the decoder once per token; the project once more, for the last token's row.
      expect(ours.calls).toHaveLength(theirs.calls.length + 1);
      expect(ours.calls.slice(0, theirs.calls.length)).toEqual(theirs.calls);
      expect(ours.calls.every((call) => (call.positions === null) === (c.family === 'gemma3'))).toBe(true);
      if (c.ifMerged) expect(theirs.calls.map((call) => call.useCacheBranch)).toContain(false);
    });
  }

  it("owes the Qwen2-VL agreement to the repetition penalty: without it the tokens part from transformers.js's", async () => {
    const { ours, theirs } = await both(
      { family: 'qwen2_vl', weights: 'random' },
      { sampling: { repetitionPenalty: 1 } },
    );
    const at = firstDifference(ours.tokens, theirs.tokens);
    expect(at).toBeGreaterThan(0);
    console.info(
      `Qwen2-VL, random weights, no penalty: the tokens part at step ${at + 1} of ${theirs.tokens.length}`,
    );
  });
});

describe('where transformers.js must differ: a 28 × 28 image upscaled to 896 × 896 by Gemma 3', () => {
  // The formula of tests/fixtures/pil/gemma3-upscale.py, which wrote the statistics with PIL.
  const W = 28;
  const pil = JSON.parse(readFileSync('tests/fixtures/pil/gemma3-upscale.json', 'utf8')) as {
    side: number;
    blocks: number;
    channels: { mean: number; std: number; blockMeans: number[] }[];
  };
  const small: RgbaImage = { width: W, height: W, data: new Uint8Array(W * W * 4) };
  for (let i = 0; i < W * W; i++) {
    for (let c = 0; c < 3; c++) small.data[i * 4 + c] = (i * 53 + c * 91 + ((i * i) % 17) * 7) % 256;
    small.data[i * 4 + 3] = 255;
  }
  const stats = (planes: Float32Array) => {
    const S = pil.side;
    const block = S / pil.blocks;
    return [0, 1, 2].map((c) => {
      const p = planes.subarray(c * S * S, (c + 1) * S * S);
      let sum = 0;
      for (const v of p) sum += v;
      const mean = sum / p.length;
      let sq = 0;
      for (const v of p) sq += (v - mean) ** 2;
      const blockMeans: number[] = [];
      for (let by = 0; by < pil.blocks; by++)
        for (let bx = 0; bx < pil.blocks; bx++) {
          let s = 0;
          for (let y = by * block; y < (by + 1) * block; y++)
            for (let x = bx * block; x < (bx + 1) * block; x++) s += p[y * S + x];
          blockMeans.push(s / (block * block));
        }
      return { mean, std: Math.sqrt(sq / p.length), blockMeans };
    });
  };
  const worst = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  let ours: Generation | null = null;
  const dir = join(root, 'gemma3-small');
  const project = async () => {
    writeTinyRepo(dir, 'gemma3');
    ours ??= await projectGeneration(dir, small, { maxNewTokens: 1, ...NATIVE });
    return ours;
  };

  it("the project's pixel values have PIL's statistics (mean, std, 16 × 16 block means, per channel)", async () => {
    const got = stats((await project()).pixelValues);
    got.forEach((g, c) => {
      expect(g.mean).toBeCloseTo(pil.channels[c].mean, 5);
      expect(g.std).toBeCloseTo(pil.channels[c].std, 5);
      expect(worst(g.blockMeans, pil.channels[c].blockMeans)).toBeLessThan(1e-5);
    });
  });

  const python = spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { encoding: 'utf8' });
  const hasPil = python.status === 0;
  if (!hasPil)
    console.warn(
      'PIL check of every pixel skipped: /usr/bin/python3 has no PIL (apt-get install python3-pil)',
    );
  it.skipIf(!hasPil)(
    "the project's pixel values are PIL's, every one of them (python3-pil, run now)",
    async () => {
      const r = spawnSync(
        '/usr/bin/python3',
        [
          '-c',
          'import sys\nfrom PIL import Image\nim = Image.frombytes("RGBA", (28, 28), sys.stdin.buffer.read()).convert("RGB")\nsys.stdout.buffer.write(im.resize((896, 896), resample=Image.BILINEAR).tobytes())',
        ],
        { input: Buffer.from(small.data), maxBuffer: 1 << 24 },
      );
      expect(r.status).toBe(0);
      const rgb = new Uint8Array(r.stdout);
      const S = pil.side;
      const values = (await project()).pixelValues;
      let max = 0;
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < S * S; i++)
          max = Math.max(max, Math.abs(values[c * S * S + i] - (rgb[i * 3 + c] / 255 - 0.5) / 0.5));
      expect(max).toBeLessThan(1e-5);
    },
  );

  it.skipIf(tjs === null)(
    "and transformers.js's are not (sharp upscales otherwise), which is why",
    async () => {
      await project();
      const theirs = await transformersJsGeneration(tjs!, root, 'gemma3-small', small, {
        question: QUESTION,
        maxNewTokens: 1,
      });
      const got = stats(theirs.pixelValues);
      const off = Math.max(...got.map((g, c) => worst(g.blockMeans, pil.channels[c].blockMeans)));
      expect(off).toBeGreaterThan(1e-2);
      console.info(
        `Gemma 3, 28 × 28 → 896 × 896: transformers.js's block means are up to ${off.toFixed(3)} from PIL's`,
      );
    },
  );
});
