/**
 * The CLI's two runtimes give the same answers: onnxruntime-node (native
 * CPU, the default) and onnxruntime-web's wasm, on the same patched graphs
 * through the same engine. Tokens are equal and every attention row (the
 * prompt's and each generated token's) within 1e-4, on the demo model and on
 * the tiny repo of every family; P(yes) too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../src/real';
import { readImageFile } from '../src/cli/image-file';
import { cudaProblem, runtimeFromFlags, type CudaInstall, type RuntimeChoice } from '../src/cli/node-ort';
import { loadModelDir, runToTrace } from '../src/cli/run-model';
import type { RgbaImage } from '../src/workers/engine/image';
import { TINY_FAMILIES, writeTinyRepo } from './onnx/tiny-repo';
import { plantedImage } from './onnx/tiny-repo-image';

const NATIVE: RuntimeChoice = { runtime: 'native', device: 'cpu' };
const WASM: RuntimeChoice = { runtime: 'wasm', device: 'cpu' };
const ROW_TOLERANCE = 1e-4;

/** The largest difference between two traces' rows; throws when their shapes differ. */
function rowDifference(a: Trace, b: Trace): number {
  let worst = 0;
  const rows = (x: ArrayLike<number>[], y: ArrayLike<number>[], what: string) => {
    expect(y.length, what).toBe(x.length);
    x.forEach((r, l) => {
      expect(y[l].length, `${what} layer ${l}`).toBe(r.length);
      for (let j = 0; j < r.length; j++) worst = Math.max(worst, Math.abs(r[j] - y[l][j]));
    });
  };
  if (a.promptAttention) rows(a.promptAttention, b.promptAttention ?? [], 'prompt rows');
  a.generated.forEach((t, i) => rows(t.attention, b.generated[i].attention, `token ${i} rows`));
  return worst;
}

async function traces(dir: string, images: RgbaImage[]): Promise<Record<'native' | 'wasm', Trace[]>> {
  const out = { native: [] as Trace[], wasm: [] as Trace[] };
  for (const [name, choice] of [
    ['native', NATIVE],
    ['wasm', WASM],
  ] as const) {
    const model = await loadModelDir(dir, undefined, choice);
    try {
      for (const image of images) out[name].push(await runToTrace(model, image));
    } finally {
      await model.release();
    }
  }
  return out;
}

function expectAgreement(t: Record<'native' | 'wasm', Trace[]>) {
  t.native.forEach((n, k) => {
    const w = t.wasm[k];
    expect(n.generated.map((g) => g.id)).toEqual(w.generated.map((g) => g.id));
    expect(n.generated.length).toBeGreaterThan(0);
    expect(rowDifference(n, w)).toBeLessThanOrEqual(ROW_TOLERANCE);
    if (w.answerProbability !== undefined)
      expect(Math.abs((n.answerProbability ?? NaN) - w.answerProbability)).toBeLessThanOrEqual(ROW_TOLERANCE);
  });
}

describe('native and wasm agree', () => {
  it('on the demo model: a normal image and two defects', async () => {
    const images = ['000_brick_normal.png', '001_brick_scratch.png', '007_fabric_stain.png'].map((f) =>
      readImageFile(join('public/samples/eval', f)),
    );
    const t = await traces('public/models/real-demo-v1', images);
    expectAgreement(t);
    // The two answers differ, so agreement is not one fixed output.
    expect(t.native[0].generated.map((g) => g.text).join('')).not.toEqual(
      t.native[1].generated.map((g) => g.text).join(''),
    );
  }, 120_000);

  describe('on the tiny repos', () => {
    let root: string;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'native-runtime-'));
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    for (const family of TINY_FAMILIES) {
      it(
        family,
        async () => {
          const dir = join(root, family);
          writeTinyRepo(dir, family);
          const t = await traces(dir, [plantedImage(family, 300, 200, 1, 2).image]);
          expectAgreement(t);
        },
        60_000,
      );
    }
  });
});

describe('the runtime flags', () => {
  it('default to onnxruntime-node on the CPU; wasm and cuda are chosen by name', () => {
    expect(runtimeFromFlags({})).toEqual(NATIVE);
    expect(runtimeFromFlags({ runtime: 'wasm' })).toEqual(WASM);
    expect(runtimeFromFlags({ device: 'cuda' })).toEqual({ runtime: 'native', device: 'cuda' });
    expect(() => runtimeFromFlags({ runtime: 'wasm', device: 'cuda' })).toThrow(/leave out --runtime wasm/);
    expect(() => runtimeFromFlags({ runtime: 'webgl' })).toThrow(/--runtime webgl: expected native/);
    expect(() => runtimeFromFlags({ device: 'gpu' })).toThrow(/--device gpu: expected cpu or cuda/);
  });

  const linux: CudaInstall = {
    platform: 'linux/x64',
    version: '1.30.0',
    backends: [
      { name: 'cpu', bundled: true },
      { name: 'cuda', bundled: false },
    ],
    binDir: 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64',
    library: 'libonnxruntime_providers_cuda.so',
    hasProviderLibrary: false,
  };

  it('--device cuda says how to install the CUDA provider when it is missing, and nothing when it is there', () => {
    expect(cudaProblem(linux)).toMatch(
      /no libonnxruntime_providers_cuda\.so in node_modules\/onnxruntime-node\/.*ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/,
    );
    expect(cudaProblem({ ...linux, hasProviderLibrary: true })).toBeNull();
    expect(cudaProblem({ ...linux, backends: [{ name: 'cuda', bundled: true }] })).toBeNull();
    expect(
      cudaProblem({ ...linux, platform: 'darwin/arm64', backends: [{ name: 'cpu', bundled: true }] }),
    ).toMatch(/no CUDA execution provider on darwin\/arm64 \(it has cpu\)/);
  });
});

describe("onnxruntime-node's telemetry", () => {
  it('is off: a run writes nothing under HOME, and a long command line does not crash it', () => {
    const home = mkdtempSync(join(tmpdir(), 'native-home-'));
    // The user's own environment, without the variable (the CLI must set it itself).
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache') };
    delete env.ORT_DISABLE_TELEMETRY;
    try {
      // ~4,000 words on the command line made the telemetry's regular expressions overflow the stack.
      const question = Array.from({ length: 5000 }, () => 'defects').join(' ');
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/real.ts', 'run', 'public/samples/eval/001_brick_scratch.png'].concat([
          '--model',
          'public/models/real-demo-v1',
          '--max-tokens',
          '2',
          '--question',
          question,
        ]),
        { encoding: 'utf8', env },
      );
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(/^real: the prompt takes 5146 positions and the model has 256/);
      const ok = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/real.ts', 'run', 'public/samples/eval/001_brick_scratch.png'].concat([
          '--model',
          'public/models/real-demo-v1',
          '--max-tokens',
          '2',
        ]),
        { encoding: 'utf8', env },
      );
      expect(ok.status).toBe(0);
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
