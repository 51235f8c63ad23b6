/**
 * The Qwen3.5-0.8B specimen decoder (graph only, ../shared), patched, run on
 * onnxruntime-web's wasm backend in Node with generated weights of the
 * recorded external-data size: a prefill and a few decode steps. The six GQA
 * layers' rows must equal GQA's own qk_output (head mean of the last query
 * row), and logits and every state output must equal the unpatched graph's
 * bitwise. Three sessions run one after another (unpatched, patched,
 * unpatched with qk_output), each with the 756 MB generated data file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeOrt } from '../../src/cli/node-ort';
import {
  allGraphs,
  externalDataFiles,
  patchDecoder,
  readGraph,
  type GraphInfo,
} from '../../src/workers/onnx';
import type { OrtSession, OrtTensor } from '../../src/workers/runtime/ort-types';
import { firstDifference } from './decoder-run';
import { withQkOutputs } from './qk-outputs';
import { headMeanLastRow, maxAbsDiff, values } from './reference-rows';

export const QWEN35_DECODER = fileURLToPath(
  new URL(
    '../../../shared/specimens/onnx-community/qwen3.5-0.8b/onnx/decoder_model_merged_quantized.onnx',
    import.meta.url,
  ),
);

let seed = 0x9e3779b9;
const next = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

/** One buffer per external file, every initializer filled by its type (float norms near 1, uint8 weights random). */
function generatedWeights(g: GraphInfo): { path: string; data: Uint8Array }[] {
  const files = externalDataFiles(g).map((f) => ({ path: f.location, data: new Uint8Array(f.bytes) }));
  for (const t of allGraphs(g).flatMap((s) => s.initializers)) {
    if (!t.external) continue;
    const { data } = files.find((f) => f.path === t.external!.location)!;
    const bytes = data.subarray(t.external.offset, t.external.offset + t.external.length);
    if (t.dataType === 1) {
      const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      const norm = /norm/.test(t.name);
      for (let i = 0; i < f.length; i++) f[i] = norm ? 1 + 0.1 * (next() - 0.5) : next() - 0.5;
    } else for (let i = 0; i < bytes.length; i++) bytes[i] = (next() * 256) | 0;
  }
  return files;
}

type Feeds = Record<string, OrtTensor>;

export interface Qwen35Result {
  layers: number[];
  /** Logits and every state output bitwise equal to the unpatched graph's, at every step. */
  bitwise: boolean;
  /** Max |row − qk_output head mean| per layer. */
  worst: Record<number, number>;
  /** A sample: the last step's row of the first attention layer. */
  lastRow: number[];
  seconds: number;
  peakRssGb: number;
}

export async function qwen35Check(
  PROMPT = 6,
  STEPS = 3,
  log: (s: string) => void = () => {},
): Promise<Qwen35Result | null> {
  if (!existsSync(QWEN35_DECODER)) return null;
  const started = performance.now();
  const ort = await nodeOrt();
  const plain = new Uint8Array(readFileSync(QWEN35_DECODER));
  const g = readGraph(plain);
  const t0 = performance.now();
  const externalData = generatedWeights(g);
  log(
    `generated ${externalData.map((f) => `${f.path} (${f.data.length} bytes)`).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const patch = patchDecoder(plain);
  const qk = withQkOutputs(plain);
  log(`patched: kind ${patch.kind}, layers ${patch.layers.join(',')}`);

  const open = async (bytes: Uint8Array): Promise<OrtSession> =>
    ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      externalData,
    });

  const hidden = g.inputs.find((v) => v.name === 'inputs_embeds')!.dims![2] as number;
  const steps: Feeds[] = [];
  const reference: Record<string, OrtTensor>[] = [];
  // The unpatched graph drives the sequence: its states become the next step's inputs.
  let session = await open(plain);
  let state: Record<string, OrtTensor> = {};
  let past = 0;
  const runStart = performance.now();
  for (let i = 0; i <= STEPS; i++) {
    const S = i === 0 ? PROMPT : 1;
    const T = past + S;
    const feeds: Feeds = {};
    for (const v of g.inputs) {
      const d = v.dims!;
      if (v.name === 'inputs_embeds')
        feeds[v.name] = new ort.Tensor(
          'float32',
          Float32Array.from({ length: S * hidden }, () => next() - 0.5),
          [1, S, hidden],
        );
      else if (v.name === 'attention_mask')
        feeds[v.name] = new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
      else if (v.name === 'position_ids') {
        const ids = new BigInt64Array(3 * S);
        for (let k = 0; k < 3; k++) for (let s = 0; s < S; s++) ids[k * S + s] = BigInt(past + s);
        feeds[v.name] = new ort.Tensor('int64', ids, [3, 1, S]);
      } else {
        const present = v.name.replace(/^past_key_values\./, 'present.').replace(/^past_/, 'present_');
        if (state[present]) feeds[v.name] = state[present];
        else {
          const dims = d.map((x, k) => (k === 0 ? 1 : typeof x === 'number' ? x : 0));
          feeds[v.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
        }
      }
    }
    const out = await session.run(feeds);
    steps.push(feeds);
    reference.push(out);
    state = out;
    past = T;
  }
  const perRun = (performance.now() - runStart) / 1000;
  await session.release();

  session = await open(patch.bytes);
  let bitwise = true;
  const rows: Record<string, OrtTensor>[] = [];
  for (let i = 0; i < steps.length; i++) {
    const out = await session.run(steps[i]);
    for (const name of Object.keys(reference[i]))
      if (firstDifference(reference[i][name], out[name]) !== -1) {
        bitwise = false;
        log(`step ${i}: ${name} differs from the unpatched graph's`);
      }
    rows.push(Object.fromEntries(patch.outputs.map((n) => [n, out[n]])));
  }
  await session.release();

  session = await open(qk.bytes);
  const worst: Record<number, number> = {};
  for (let i = 0; i < steps.length; i++) {
    const out = await session.run(
      steps[i],
      qk.outputs.map((o) => o.name),
    );
    for (const o of qk.outputs) {
      const p = out[o.name];
      const [B, N, S, T] = p.dims as number[];
      const d = maxAbsDiff(
        values(rows[i][`decoder_attentions.${o.layer}`]),
        headMeanLastRow(values(p), B, N, S, T),
      );
      worst[o.layer] = Math.max(worst[o.layer] ?? 0, d);
    }
  }
  await session.release();

  log(`prefill ${PROMPT} + ${STEPS} decode steps; one pass of the unpatched graph: ${perRun.toFixed(1)} s`);
  const first = patch.outputs[0];
  return {
    layers: patch.layers,
    bitwise,
    worst,
    lastRow: Array.from(values(rows[rows.length - 1][first])),
    seconds: (performance.now() - started) / 1000,
    peakRssGb: process.resourceUsage().maxRSS / 1024 / 1024,
  };
}
