/**
 * `npm run bench:patch`: what the patcher's side branches cost at decode
 * time. A benchmark, not a test: it measures and prints tables.
 *
 * A generated decoder of SmolVLM-256M's text shape (30 layers, 9 query
 * heads, 3 KV heads, head dim 64, hidden 576, SwiGLU MLP 1536,
 * GroupQueryAttention with do_rotary = 1; vocabulary 2048 instead of 49280,
 * which only shrinks the LM head) on onnxruntime-web's wasm backend in Node,
 * one decode step after a cache of P positions:
 * - wall time, unpatched against patched (rows fetched, and not fetched),
 *   interleaved runs: the fastest run and the median;
 * - onnxruntime's own profile of the patched graph (a child process, since
 *   the profile is printed to stdout): the side branches' kernel time over
 *   the rest's. Steadier under a shared machine's load, but the profiler's
 *   cost per kernel weighs on the branches' many small ops, so it overstates.
 * Target: ≤ 10 % extra.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeOrt } from '../src/cli/node-ort';
import { patchDecoder } from '../src/workers/onnx';
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
const CONTEXTS = [128, 512, 1024];
const WARMUP = 3;
const RUNS = 30;
const PATCH_NODE = /^\/real_inspector_patch\/|^decoder_attentions\./;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function build(ort: Ort) {
  const { bytes, externalData } = tinyDecoderWithData(SPEC);
  const patch = patchDecoder(bytes);
  const open = (b: Uint8Array, profile = false): Promise<OrtSession> =>
    ort.InferenceSession.create(b, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      externalData,
      enableProfiling: profile,
    });
  return { bytes, patch, externalData, open };
}

/** A decode step's inputs after a random cache of P positions. */
function decodeFeeds(ort: Ort, P: number): Record<string, OrtTensor> {
  let r = 12345 + P;
  const rand = () => ((r = (r * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2;
  const feeds: Record<string, OrtTensor> = {
    inputs_embeds: new ort.Tensor('float32', Float32Array.from({ length: SPEC.hidden }, rand), [
      1,
      1,
      SPEC.hidden,
    ]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(P + 1).fill(1n), [1, P + 1]),
  };
  const dims = [1, SPEC.kvHeads, P, SPEC.headDim];
  for (let l = 0; l < SPEC.layers; l++) {
    const kv = kvNames(SPEC, l);
    const n = SPEC.kvHeads * P * SPEC.headDim;
    feeds[kv.pastKey] = new ort.Tensor('float32', Float32Array.from({ length: n }, rand), dims);
    feeds[kv.pastValue] = new ort.Tensor('float32', Float32Array.from({ length: n }, rand), dims);
  }
  return feeds;
}

/** Child mode: run the patched graph with onnxruntime's profiler on; it prints the profile. */
async function profileChild(P: number) {
  const ort = await nodeOrt();
  const { patch, open } = build(ort);
  const session = await open(patch.bytes, true);
  const feeds = decodeFeeds(ort, P);
  for (let i = 0; i < WARMUP + RUNS; i++) await session.run(feeds);
  session.endProfiling();
}

/** The side branches' share of kernel time, from the profile a child prints. */
function profileShare(P: number): number {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--profile', String(P)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    },
  );
  let all = 0;
  let branch = 0;
  for (const line of child.stdout.split('\n')) {
    if (!line.includes('"cat" : "Node"') || !line.includes('_kernel_time')) continue;
    const e = JSON.parse(line.replace(/,\s*$/, '')) as { name: string; dur: number };
    all += e.dur;
    if (PATCH_NODE.test(e.name)) branch += e.dur;
  }
  if (!all) throw new Error(`no profile from the child: ${child.stderr.slice(-500)}`);
  return branch / (all - branch);
}

async function main() {
  const ort = await nodeOrt();
  const t0 = performance.now();
  const { bytes, patch, externalData, open } = build(ort);
  console.log(
    `built the decoder (${(externalData[0].data.length / 1e6).toFixed(0)} MB of fp32 weights) and patched it (${patch.kind}, ${patch.layers.length} layers, +${patch.bytes.length - bytes.length} graph bytes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const plain = await open(bytes);
  const patched = await open(patch.bytes);
  const original = plain.outputNames;
  const rows: string[] = [];
  for (const P of CONTEXTS) {
    const feeds = decodeFeeds(ort, P);
    const runs = {
      plain: () => plain.run(feeds),
      fetched: () => patched.run(feeds),
      notFetched: () => patched.run(feeds, original),
    };
    const wall: Record<keyof typeof runs, number[]> = { plain: [], fetched: [], notFetched: [] };
    for (let i = 0; i < WARMUP + RUNS; i++)
      // Interleaved, so drift in the machine's load falls on all three alike.
      for (const k of Object.keys(runs) as (keyof typeof runs)[]) {
        const s = performance.now();
        await runs[k]();
        if (i >= WARMUP) wall[k].push(performance.now() - s);
      }
    const cell = (pick: (xs: number[]) => number) => {
      const [a, b, c] = [pick(wall.plain), pick(wall.fetched), pick(wall.notFetched)];
      return `${a.toFixed(1)} | ${b.toFixed(1)} | ${(((b - a) / a) * 100).toFixed(1)} % | ${c.toFixed(1)}`;
    };
    const share = profileShare(P);
    rows.push(
      `| ${P} | ${cell((xs) => Math.min(...xs))} | ${cell(median)} | ${(share * 100).toFixed(1)} % |`,
    );
  }
  await plain.release();
  await patched.release();
  console.log(
    `\none decode step after a cache of P positions, ${RUNS} interleaved runs of each (wall ms):\n`,
  );
  const head = 'unpatched | rows fetched | extra | rows not fetched';
  console.log(`| cache P | fastest: ${head} | median: ${head} | profiler: side branches / rest |`);
  console.log(`| ------: |${' ----: | ----: | ----: | ----: |'.repeat(2)} ----: |`);
  console.log(rows.join('\n'));
}

const at = process.argv.indexOf('--profile');
if (at > 0) await profileChild(Number(process.argv[at + 1]));
else await main();
