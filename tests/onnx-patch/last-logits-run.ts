/**
 * A decoder with and without the last-position logits patch
 * (src/workers/onnx/last-logits.ts), run side by side on wasm with the same
 * feeds made from its graph's inputs: a prefill of `prompt` positions, then
 * decode steps carrying every present* output back as its past* input. The
 * patched logits must be the unpatched ones' last position, bit for bit, and
 * every other output must be bit-identical.
 */
import { nodeOrt } from '../../src/cli/node-ort';
import { presentNameFor } from '../../src/workers/engine/decoder-io';
import { lastPositionLogits, readGraph, type GraphInfo } from '../../src/workers/onnx';
import type { OrtSession, OrtTensor } from '../../src/workers/runtime/ort-types';
import { toHalfBits } from '../onnx/fp16';

export interface LastLogitsCheck {
  applied: boolean;
  why?: string;
  /** The logits dims of each step: unpatched, patched. */
  dims: { plain: number[]; patched: number[] }[];
  /** Steps where the patched logits differ from the unpatched last position (should be none). */
  logitsDiffer: number[];
  /** Other outputs that differ at some step (should be none). */
  othersDiffer: string[];
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const sameBits = (a: ArrayLike<number> | BigInt64Array, b: ArrayLike<number> | BigInt64Array) => {
  if (a.length !== b.length) return false;
  const x = new Uint8Array(
    (a as Float32Array).buffer,
    (a as Float32Array).byteOffset,
    (a as Float32Array).byteLength,
  );
  const y = new Uint8Array(
    (b as Float32Array).buffer,
    (b as Float32Array).byteOffset,
    (b as Float32Array).byteLength,
  );
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

export async function checkLastLogits(
  bytes: Uint8Array,
  externalData: { path: string; data: Uint8Array }[] = [],
  prompt = 6,
  steps = 2,
  seed = 3,
): Promise<LastLogitsCheck> {
  const ort = await nodeOrt();
  const patch = lastPositionLogits(bytes);
  if (!patch.applied) return { applied: false, why: patch.why, dims: [], logitsDiffer: [], othersDiffer: [] };
  const g: GraphInfo = readGraph(bytes);
  const open = (b: Uint8Array): Promise<OrtSession> =>
    ort.InferenceSession.create(b, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      externalData,
    });
  const plain = await open(bytes);
  const patched = await open(patch.bytes);
  const r = rng(seed);
  const hidden = g.inputs.find((v) => v.name === 'inputs_embeds')!.dims![2] as number;
  const half = g.inputs.find((v) => v.name === 'inputs_embeds')!.elemType === 10;
  let state: Record<string, OrtTensor> = {};
  let past = 0;
  const out: LastLogitsCheck = { applied: true, dims: [], logitsDiffer: [], othersDiffer: [] };
  for (let i = 0; i <= steps; i++) {
    const S = i === 0 ? prompt : 1;
    const T = past + S;
    const feeds: Record<string, OrtTensor> = {};
    for (const v of g.inputs) {
      if (v.name === 'inputs_embeds') {
        const values = Float32Array.from({ length: S * hidden }, () => 2 * r());
        feeds[v.name] = half
          ? new ort.Tensor('float16', Uint16Array.from(values, toHalfBits), [1, S, hidden])
          : new ort.Tensor('float32', values, [1, S, hidden]);
      } else if (v.name === 'attention_mask')
        feeds[v.name] = new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]);
      else if (v.name === 'position_ids') {
        const rows = v.dims?.length === 3 ? 3 : 1;
        const ids = new BigInt64Array(rows * S);
        for (let k = 0; k < rows; k++) for (let s = 0; s < S; s++) ids[k * S + s] = BigInt(past + s);
        feeds[v.name] = new ort.Tensor('int64', ids, rows === 3 ? [3, 1, S] : [1, S]);
      } else if (v.name === 'use_cache_branch')
        feeds[v.name] = new ort.Tensor('bool', Uint8Array.of(past > 0 ? 1 : 0), [1]);
      else {
        const carried = state[presentNameFor(v.name)];
        if (carried) feeds[v.name] = carried;
        else {
          const dims = v.dims!.map((d, k) => (k === 0 ? 1 : typeof d === 'number' ? d : 0));
          const n = dims.reduce((a, b) => a * b, 1);
          feeds[v.name] =
            v.elemType === 10
              ? new ort.Tensor('float16', new Uint16Array(n), dims)
              : new ort.Tensor('float32', new Float32Array(n), dims);
        }
      }
    }
    const a = await plain.run(feeds);
    const b = await patched.run(feeds);
    const la = a.logits;
    const lb = b.logits;
    out.dims.push({ plain: [...la.dims], patched: [...lb.dims] });
    const V = la.dims[la.dims.length - 1];
    const da = (await la.getData()) as Float32Array;
    const db = (await lb.getData()) as Float32Array;
    if (!sameBits(da.subarray(da.length - V), db)) out.logitsDiffer.push(i);
    for (const name of Object.keys(a)) {
      if (name === 'logits') continue;
      if (!sameBits((await a[name].getData()) as Float32Array, (await b[name].getData()) as Float32Array))
        if (!out.othersDiffer.includes(name)) out.othersDiffer.push(name);
    }
    state = a;
    past = T;
  }
  await plain.release();
  await patched.release();
  return out;
}
