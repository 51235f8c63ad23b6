/**
 * `npm run bench:runtime`: the CLI's two runtimes side by side, onnxruntime-node
 * (native CPU, the default of `real run` / `real eval`) and onnxruntime-web's
 * wasm in Node (`--runtime wasm`). A benchmark, not a test: it measures and
 * prints a table (README, "Benchmarks").
 * - The bench's SmolVLM-256M-shaped decoder (bench/patch-bench.ts: 30 layers,
 *   9 heads, 3 KV heads, head dim 64, hidden 576, GroupQueryAttention),
 *   patched as every repo is: a prefill of PREFILL positions, and one decode
 *   step after a cache of CACHE positions, every output fetched (the rows
 *   too), as the engine does.
 * - The demo model through the engine (public/models/real-demo-v1): its
 *   prefill time and decode tokens/s from the engine's own timings, greedy,
 *   on the shipped samples.
 * Runs are interleaved (A B A B, the first of each pair alternating), so
 * drift in a shared machine's load falls on both runtimes alike; medians.
 * Sessions take the CLI's options (src/workers/runtime/sessions.ts) and the
 * CLI's runtimes (src/cli/node-ort.ts); the native runtime also runs with one
 * intra-op thread, since wasm in Node runs on one here.
 * `BENCH_RUNS=N` sets the number of timed pairs (default 5 prefills, 20
 * decode steps, 3 passes over the samples); `-- --device cuda` runs the
 * native side on onnxruntime-node's CUDA provider (where it is installed).
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { decodeImage } from '../src/cli/image-file';
import { RuntimeChoiceError, nativeOrt, nodeOrt, type Device, type RuntimeChoice } from '../src/cli/node-ort';
import { loadModelDir } from '../src/cli/run-model';
import { median } from '../src/real/stats';
import { patchDecoder } from '../src/workers/onnx';
import type { RunTimings } from '../src/workers/engine/events';
import type { Ort, OrtSession, OrtTensor } from '../src/workers/runtime/ort-types';
import { kvNames, tinyDecoderWithData, type DecoderSpec } from '../tests/onnx/tiny-decoders';

const SPEC: DecoderSpec = {
  style: 'gqa',
  dtype: 'fp32',
  layers: 30,
  heads: 9,
  kvHeads: 3,
  headDim: 64,
  hidden: 576,
  vocab: 2048,
  mlp: 1536,
  seed: 3,
  maxPositions: 2048,
  gqa: { doRotary: true },
  externalData: true,
};
const PREFILL = 256;
const CACHE = 512;
const runsOf = (fallback: number) => Number(process.env.BENCH_RUNS ?? fallback);
const DEMO = 'public/models/real-demo-v1';
const SAMPLES = ['001_brick_scratch', '003_grass_crack', '000_brick_normal'];

interface Runtime {
  name: string;
  ort: Ort;
  threads?: number;
}

function random(seed: number) {
  let r = seed;
  return () => ((r = (r * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2;
}

/** Feeds of `length` new positions after a cache of `past` (random values, the same for both runtimes). */
function feedsFor(ort: Ort, length: number, past: number): Record<string, OrtTensor> {
  const rand = random(12345 + length * 7919 + past);
  const feeds: Record<string, OrtTensor> = {
    inputs_embeds: new ort.Tensor('float32', Float32Array.from({ length: length * SPEC.hidden }, rand), [
      1,
      length,
      SPEC.hidden,
    ]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(past + length).fill(1n), [1, past + length]),
  };
  const n = SPEC.kvHeads * past * SPEC.headDim;
  for (let l = 0; l < SPEC.layers; l++) {
    const kv = kvNames(SPEC, l);
    const dims = [1, SPEC.kvHeads, past, SPEC.headDim];
    feeds[kv.pastKey] = new ort.Tensor('float32', Float32Array.from({ length: n }, rand), dims);
    feeds[kv.pastValue] = new ort.Tensor('float32', Float32Array.from({ length: n }, rand), dims);
  }
  return feeds;
}

/** The process's CPU time (every thread's, user + system), ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Times {
  wall: number[];
  cpu: number[];
}

/**
 * Times `run` for each runtime, interleaved (the first of each pair
 * alternates): wall time, and CPU time, which a loaded machine changes less
 * (it counts every thread, so a runtime on two threads shows their sum).
 */
async function interleaved(
  count: number,
  warmup: number,
  runtimes: { name: string; run: () => Promise<unknown> }[],
): Promise<Map<string, Times>> {
  const times = new Map(runtimes.map((r) => [r.name, { wall: [], cpu: [] } as Times]));
  for (let i = 0; i < warmup + count; i++) {
    const order = i % 2 ? [...runtimes].reverse() : runtimes;
    for (const r of order) {
      const [t, c] = [performance.now(), cpuMs()];
      await r.run();
      if (i < warmup) continue;
      times.get(r.name)!.wall.push(performance.now() - t);
      times.get(r.name)!.cpu.push(cpuMs() - c);
    }
  }
  return times;
}

async function decoderBench(runtimes: Runtime[]) {
  const t0 = performance.now();
  const { bytes, externalData } = tinyDecoderWithData(SPEC);
  const patched = patchDecoder(bytes);
  console.error(
    `decoder: ${(externalData[0].data.length / 1e6).toFixed(0)} MB of fp32 weights, ${patched.layers.length} layers patched (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const sessions: { name: string; session: OrtSession; ort: Ort }[] = [];
  for (const r of runtimes) {
    // The CLI's session options (sessions.ts); the native runtime maps the EP to the CPU.
    const session = await r.ort.InferenceSession.create(patched.bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 4,
      externalData,
      ...(r.threads ? { intraOpNumThreads: r.threads } : {}),
    });
    sessions.push({ name: r.name, session, ort: r.ort });
  }
  const run = (length: number, past: number) =>
    sessions.map((s) => {
      const feeds = feedsFor(s.ort, length, past);
      return {
        name: s.name,
        run: async () => {
          const out = await s.session.run(feeds);
          for (const t of Object.values(out)) t.dispose();
        },
      };
    });
  console.error(`decoder: prefill of ${PREFILL} positions…`);
  const prefill = await interleaved(runsOf(5), 1, run(PREFILL, 0));
  console.error(`decoder: decode steps after ${CACHE} positions…`);
  const decode = await interleaved(runsOf(20), 3, run(1, CACHE));
  for (const s of sessions) await s.session.release();
  return { prefill, decode };
}

async function demoBench(choices: { name: string; choice: RuntimeChoice }[]) {
  const models = [];
  for (const c of choices)
    models.push({ name: c.name, model: await loadModelDir(DEMO, undefined, c.choice) });
  const images = SAMPLES.map((s) => decodeImage(readFileSync(`public/samples/eval/${s}.png`), s));
  const timings = new Map(choices.map((c) => [c.name, [] as RunTimings[]]));
  const cpu = new Map(choices.map((c) => [c.name, [] as number[]]));
  try {
    const passes = runsOf(3);
    for (let pass = 0; pass <= passes; pass++)
      for (const [i, image] of images.entries()) {
        const order = (pass + i) % 2 ? [...models].reverse() : models;
        for (const m of order) {
          let t: RunTimings | undefined;
          const c = cpuMs();
          await m.model.engine.generate(image, {}, (e) => {
            if (e.type === 'end') t = e.timings;
          });
          if (!t) throw new Error(`${m.name}: the run ended without timings`);
          if (pass === 0) continue; // warms up
          timings.get(m.name)!.push(t);
          cpu.get(m.name)!.push((cpuMs() - c) / t.stepMs.length);
        }
      }
  } finally {
    for (const m of models) await m.model.release();
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return new Map(
    [...timings].map(([name, ts]) => {
      const steps = ts.flatMap((t) => t.stepMs);
      return [
        name,
        {
          prefillMs: median(ts.map((t) => t.prefillMs)),
          tokensPerSecond: (steps.length / sum(steps)) * 1000,
          tokens: steps.length,
          /** The whole answer's CPU time (image, prefill, decode) over its tokens. */
          cpuPerToken: median(cpu.get(name)!),
        },
      ];
    }),
  );
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

async function main() {
  const device: Device = process.argv.includes('--device')
    ? (process.argv[process.argv.indexOf('--device') + 1] as Device)
    : 'cpu';
  const wasm = await nodeOrt();
  const native = await nativeOrt(device);
  console.error(
    `${availableParallelism()} cores; wasm threads: ${wasm.env.wasm.numThreads ?? 'default'}; onnxruntime-node on ${device}${device === 'cpu' ? ', intra-op threads: its default (one per core), and 1' : ''}`,
  );
  const { prefill, decode } = await decoderBench([
    { name: 'native', ort: native },
    // One intra-op thread: the CPU's own count (on CUDA, the same session again).
    { name: 'native1', ort: native, threads: device === 'cpu' ? 1 : undefined },
    { name: 'wasm', ort: wasm },
  ]);
  const demo = await demoBench([
    { name: 'native', choice: { runtime: 'native', device } },
    { name: 'wasm', choice: { runtime: 'wasm', device: 'cpu' } },
  ]);
  const pm = (n: string) => median(prefill.get(n)!.wall);
  const tps = (n: string) => 1000 / median(decode.get(n)!.wall);
  const cpuStep = (n: string) => median(decode.get(n)!.cpu);
  const cpuPrefill = (n: string) => median(prefill.get(n)!.cpu);
  const ratio = (x: number) => `${x.toFixed(2)} ×`;
  const rows = [
    '| `npm run bench:runtime` | decode tokens/s | prefill | CPU per decode step | CPU per prefill | native ÷ wasm: decode | prefill |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [n, label] of [
    ['native', `onnxruntime-node (${device})`],
    ['native1', device === 'cpu' ? 'onnxruntime-node, 1 thread' : `onnxruntime-node (${device}), again`],
    ['wasm', 'onnxruntime-web (wasm)'],
  ])
    rows.push(
      `| SmolVLM-shaped decoder, ${label} | ${tps(n).toFixed(1)} | ${fmt(pm(n))} | ${fmt(cpuStep(n))} | ${fmt(cpuPrefill(n))} | ${n === 'wasm' ? '' : ratio(tps(n) / tps('wasm'))} | ${n === 'wasm' ? '' : ratio(pm('wasm') / pm(n))} |`,
    );
  const d = (n: string) => demo.get(n)!;
  rows.push(
    `| demo model, onnxruntime-node (${device}) | ${d('native').tokensPerSecond.toFixed(0)} | ${fmt(d('native').prefillMs)} | ${fmt(d('native').cpuPerToken)} per token of an answer | | ${ratio(d('native').tokensPerSecond / d('wasm').tokensPerSecond)} | ${ratio(d('wasm').prefillMs / d('native').prefillMs)} |`,
    `| demo model, onnxruntime-web (wasm) | ${d('wasm').tokensPerSecond.toFixed(0)} | ${fmt(d('wasm').prefillMs)} | ${fmt(d('wasm').cpuPerToken)} per token of an answer | | | |`,
  );
  console.log(
    `\nmedians; decoder: ${runsOf(5)} prefills of ${PREFILL} positions and ${runsOf(20)} decode steps after ${CACHE} positions per runtime, interleaved; demo model: ${runsOf(3)} passes over ${SAMPLES.length} samples (${d('native').tokens} decode steps per runtime), interleaved\n`,
  );
  console.log(rows.join('\n'));
  console.log(
    `\nnative ÷ wasm on CPU time (less moved by a loaded machine): decoder decode ${ratio(cpuStep('wasm') / cpuStep('native'))} (1 thread ${ratio(cpuStep('wasm') / cpuStep('native1'))}), prefill ${ratio(cpuPrefill('wasm') / cpuPrefill('native'))} (1 thread ${ratio(cpuPrefill('wasm') / cpuPrefill('native1'))}); demo model, an answer ${ratio(d('wasm').cpuPerToken / d('native').cpuPerToken)}`,
  );
}

try {
  await main();
} catch (e) {
  if (!(e instanceof RuntimeChoiceError)) throw e;
  console.error(`bench:runtime: ${e.message}`);
  process.exitCode = 2;
}
