import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { patchDecoder } from '../src/workers/onnx';
import {
  BASE,
  decoderInputs,
  kvHeadsOf,
  kvNames,
  tinyDecoder,
  type DecoderSpec,
} from '../tests/onnx/tiny-decoders';

/**
 * Patched tiny decoders in headless Chromium: the same steps on onnxruntime's
 * WebGPU provider and on its wasm backend give the same attention rows
 * (within 1e-5) and the same logits (within float tolerance), and on WebGPU
 * the patched graph's logits and caches are bitwise the unpatched graph's. The page is a
 * blank one this test serves under the app's origin, importing the
 * onnxruntime-web build the app bundles; the wasm binary comes from the
 * app's own /ort/.
 */

// What `import 'onnxruntime-web/webgpu'` gives a bundler (the package's "import" condition), as in the app.
const ORT_BUNDLE = readFileSync(
  join(
    dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu')),
    'ort.webgpu.bundle.min.mjs',
  ),
);
const PAGE = '/__patched-webgpu/';

const SPECS: { name: string; spec: DecoderSpec }[] = [
  {
    name: 'GQA with do_rotary, local window, attention_bias',
    spec: { ...BASE, gqa: { doRotary: true, window: 4, attentionBias: true } },
  },
  { name: 'decomposed attention', spec: { ...BASE, style: 'decomposed', kvHeads: 4 } },
];

interface FeedSpec {
  name: string;
  type: 'float32' | 'int64' | 'bool';
  dims: number[];
  data: number[];
}

/** Every step's inputs except the cache, which each backend carries itself. */
function stepInputs(spec: DecoderSpec, prompt: number, steps: number): FeedSpec[][] {
  let r = 99;
  const rand = () => ((r = (r * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2;
  const names = new Set(decoderInputs(spec).map((v) => v.name));
  const out: FeedSpec[][] = [];
  let past = 0;
  for (let i = 0; i <= steps; i++) {
    const S = i === 0 ? prompt : 1;
    const T = past + S;
    const f: FeedSpec[] = [
      {
        name: 'inputs_embeds',
        type: 'float32',
        dims: [1, S, spec.hidden],
        data: Array.from({ length: S * spec.hidden }, rand),
      },
      { name: 'attention_mask', type: 'int64', dims: [1, T], data: new Array(T).fill(1) },
    ];
    if (names.has('position_ids'))
      f.push({
        name: 'position_ids',
        type: 'int64',
        dims: [1, S],
        data: Array.from({ length: S }, (_, s) => past + s),
      });
    if (names.has('attention_bias'))
      f.push({
        name: 'attention_bias',
        type: 'float32',
        dims: [1, spec.heads, S, T],
        data: Array.from({ length: spec.heads * S * T }, rand),
      });
    out.push(f);
    past = T;
  }
  return out;
}

/** "Op (name)" of every node onnxruntime's verbose log lists under a provider's "Node(s) placed on". */
function nodesPlacedOn(logs: string[], provider: string): string[] {
  const out: string[] = [];
  let inside = false;
  for (const line of logs) {
    if (/Node\(s\) placed on \[/.test(line)) inside = line.includes(`[${provider}]`);
    else if (inside) {
      const m = /VerifyEachNodeIsAssignedToAnEp\]\s+(\S+ \(.*\))$/.exec(line);
      if (m) out.push(m[1]);
      else inside = false;
    }
  }
  return out;
}

const maxDiff = (a: number[], b: number[]) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), a.length === b.length ? 0 : Infinity);

for (const { name, spec } of SPECS)
  test(`patched decoder on WebGPU and wasm in Chromium: ${name}`, async ({ page }) => {
    const unpatched = tinyDecoder(spec);
    const patch = patchDecoder(unpatched);
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    await page.route(`**${PAGE}**`, (route) => {
      const path = new URL(route.request().url()).pathname.slice(PAGE.length);
      const isolation = {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      };
      if (path === 'ort.mjs')
        return route.fulfill({ body: ORT_BUNDLE, contentType: 'text/javascript', headers: isolation });
      return route.fulfill({
        body: '<!doctype html><title>patched decoders</title>',
        contentType: 'text/html',
        headers: isolation,
      });
    });
    await page.goto(`${PAGE}index.html`);
    const layers = Array.from({ length: spec.layers }, (_, l) => ({ ...kvNames(spec, l) }));
    const result = await page.evaluate(
      async ({ model, plain, steps, layers, kvDims, rows, ortUrl }) => {
        type OrtModule = typeof import('onnxruntime-web');
        const ort: OrtModule = await import(ortUrl);
        ort.env.wasm.wasmPaths = `${location.origin}/ort/`;
        ort.env.wasm.numThreads = 1;
        const bits = (t: import('onnxruntime-web').Tensor) => {
          const d = t.data as Float32Array;
          return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
        };
        const run = async (ep: 'webgpu' | 'wasm', bytes: number[], verbose = false) => {
          // Verbose: onnxruntime then lists which provider runs each node.
          ort.env.logLevel = verbose ? 'verbose' : 'warning';
          const session = await ort.InferenceSession.create(new Uint8Array(bytes), {
            executionProviders: [ep],
            graphOptimizationLevel: 'all',
            logSeverityLevel: verbose ? 0 : 2,
          });
          ort.env.logLevel = 'warning';
          let cache: Record<string, import('onnxruntime-web').Tensor> = {};
          const out: { logits: number[]; rows: number[][]; bits: number[][] }[] = [];
          for (const step of steps) {
            const feeds: Record<string, import('onnxruntime-web').Tensor> = {};
            for (const f of step)
              feeds[f.name] =
                f.type === 'float32'
                  ? new ort.Tensor('float32', Float32Array.from(f.data), f.dims)
                  : new ort.Tensor(
                      'int64',
                      BigInt64Array.from(f.data, (v) => BigInt(v)),
                      f.dims,
                    );
            for (const l of layers) {
              const empty = new ort.Tensor('float32', new Float32Array(0), kvDims);
              feeds[l.pastKey] = cache[l.presentKey] ?? empty;
              feeds[l.pastValue] = cache[l.presentValue] ?? empty;
            }
            const o = await session.run(feeds);
            out.push({
              logits: Array.from(o.logits.data as Float32Array),
              rows: rows.filter((r) => o[r]).map((r) => Array.from(o[r].data as Float32Array)),
              bits: [o.logits, ...layers.flatMap((l) => [o[l.presentKey], o[l.presentValue]])].map(bits),
            });
            cache = o;
          }
          await session.release();
          return out;
        };
        return {
          webgpu: await run('webgpu', model, true),
          plain: await run('webgpu', plain),
          wasm: await run('wasm', model),
          adapter: !!(await (
            navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }
          ).gpu?.requestAdapter()),
        };
      },
      {
        model: Array.from(patch.bytes),
        plain: Array.from(unpatched),
        steps: stepInputs(spec, 5, 3),
        layers,
        kvDims: [1, kvHeadsOf(spec), 0, spec.headDim],
        rows: patch.outputs,
        ortUrl: `${PAGE}ort.mjs`,
      },
    );
    expect(result.adapter, 'Chromium gave no WebGPU adapter').toBe(true);
    // The attention ran on WebGPU, and so did the side branch (GQA: its own product and softmax).
    const onGpu = nodesPlacedOn(logs, 'WebGpuExecutionProvider');
    const ran = (re: RegExp) => onGpu.some((n) => re.test(n));
    expect(ran(/^ReduceMean \(decoder_attentions\.0\)$/)).toBe(true);
    if (spec.style === 'gqa') {
      expect(ran(/^GroupQueryAttention /)).toBe(true);
      expect(ran(/^MatMul \(\/real_inspector_patch\//)).toBe(true);
      expect(ran(/^Softmax \(\/real_inspector_patch\//)).toBe(true);
    } else expect(ran(/^Softmax /)).toBe(true);
    let rowDiff = 0;
    let logitDiff = 0;
    let logitScale = 0;
    result.webgpu.forEach((g, i) => {
      expect(g.bits, `step ${i}: logits and caches on WebGPU differ from the unpatched graph's`).toEqual(
        result.plain[i].bits,
      );
      const w = result.wasm[i];
      g.rows.forEach((r, l) => (rowDiff = Math.max(rowDiff, maxDiff(r, w.rows[l]))));
      logitDiff = Math.max(logitDiff, maxDiff(g.logits, w.logits));
      logitScale = Math.max(logitScale, ...w.logits.map(Math.abs));
    });
    console.log(
      `${name}: max |row webgpu - wasm| ${rowDiff.toExponential(2)}, max |logit webgpu - wasm| ${logitDiff.toExponential(2)} (logits up to ${logitScale.toFixed(2)})`,
    );
    expect(rowDiff).toBeLessThan(1e-5);
    expect(logitDiff).toBeLessThan(1e-4 * Math.max(1, logitScale));
  });
