/**
 * Runs generated decoders on onnxruntime-web's wasm backend in Node: a
 * prefill and a few decode steps, every session fed the same inputs (the
 * cache carried from the first one), so outputs can be compared exactly.
 */
import type { Ort, OrtSession, OrtTensor } from '../../src/workers/runtime/ort-types';
import { toHalfBits } from '../onnx/fp16';
import { decoderInputs, kvHeadsOf, kvNames, type DecoderSpec } from '../onnx/tiny-decoders';

export interface RunPlan {
  batch: number;
  prompt: number;
  steps: number;
  /** position_ids start here (tests that GQA's own position_ids drive the rotation). */
  positionOffset?: number;
  seed: number;
}

export type Outputs = Record<string, OrtTensor>;

export interface Step {
  feeds: Record<string, OrtTensor>;
  /** outputs[s]: what session s returned for these feeds. */
  outputs: Outputs[];
  past: number;
  seq: number;
}

export async function openSession(ort: Ort, bytes: Uint8Array): Promise<OrtSession> {
  // The app's settings (src/workers/runtime/sessions.ts).
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function floats(ort: Ort, half: boolean, values: number[], dims: number[]): OrtTensor {
  return half
    ? new ort.Tensor('float16', Uint16Array.from(values, toHalfBits), dims)
    : new ort.Tensor('float32', Float32Array.from(values), dims);
}

export async function runSequence(
  ort: Ort,
  spec: DecoderSpec,
  sessions: OrtSession[],
  plan: RunPlan,
): Promise<Step[]> {
  const r = rng(plan.seed);
  const half = spec.dtype === 'fp16';
  const names = new Set(decoderInputs(spec).map((v) => v.name));
  const B = plan.batch;
  const kvN = kvHeadsOf(spec);
  const steps: Step[] = [];
  let cache: Outputs | null = null;
  let past = 0;
  for (let i = 0; i <= plan.steps; i++) {
    const S = i === 0 ? plan.prompt : 1;
    const T = past + S;
    const feeds: Record<string, OrtTensor> = {};
    feeds.inputs_embeds = new ort.Tensor(
      'float32',
      Float32Array.from({ length: B * S * spec.hidden }, () => 2 * r()),
      [B, S, spec.hidden],
    );
    feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(B * T).fill(1n), [B, T]);
    if (names.has('position_ids')) {
      const ids = new BigInt64Array(B * S);
      for (let b = 0; b < B; b++)
        for (let s = 0; s < S; s++) ids[b * S + s] = BigInt((plan.positionOffset ?? 0) + past + s);
      feeds.position_ids = new ort.Tensor('int64', ids, [B, S]);
    }
    if (names.has('attention_bias'))
      feeds.attention_bias = floats(
        ort,
        half,
        Array.from({ length: spec.heads * S * T }, () => 3 * r()),
        [1, spec.heads, S, T],
      );
    if (names.has('use_cache_branch'))
      feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(i > 0 ? 1 : 0), [1]);
    for (let l = 0; l < spec.layers; l++) {
      const kv = kvNames(spec, l);
      feeds[kv.pastKey] = cache?.[kv.presentKey] ?? floats(ort, half, [], [B, kvN, 0, spec.headDim]);
      feeds[kv.pastValue] = cache?.[kv.presentValue] ?? floats(ort, half, [], [B, kvN, 0, spec.headDim]);
    }
    const outputs: Outputs[] = [];
    for (const s of sessions) outputs.push(await s.run(feeds));
    steps.push({ feeds, outputs, past, seq: S });
    cache = outputs[0];
    past = T;
  }
  return steps;
}

/** A tensor's bytes, for bitwise comparison. */
export function bytesOf(t: OrtTensor): Uint8Array {
  const d = t.data as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Where two tensors' bytes first differ, or -1 when they are equal (dims included). */
export function firstDifference(a: OrtTensor, b: OrtTensor): number {
  if (a.dims.join() !== b.dims.join()) return 0;
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
