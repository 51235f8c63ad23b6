import { describe, expect, it } from 'vitest';
import { BASE, rotaryCaches, type DecoderSpec } from '../onnx/tiny-decoders';
import { debugOf, runPatched, rowsOf, PLAN } from './patched-run';
import { headMeanLastRow, maxAbsDiff, referenceRows, values, type RowInputs } from './reference-rows';
import type { Step } from './decoder-run';

/** Max |patched row − reference| over layers and steps, for GQA's own qk_output and the plain-JS rows. */
function compare(spec: DecoderSpec, steps: Step[]) {
  const { heads: N, kvHeads: K, headDim: H } = spec;
  const o = spec.gqa ?? {};
  const caches = rotaryCaches(spec);
  let vsQk = 0;
  let vsJs = 0;
  // How far the rows are from a reference that ignores rotation, window, softcap and bias: the
  // test can only see those features if this is large.
  let vsPlain = 0;
  for (const { outputs, feeds, seq: S, past } of steps) {
    const T = past + S;
    const B = PLAN.batch;
    for (let l = 0; l < spec.layers; l++) {
      const rows = rowsOf(outputs, `decoder_attentions.${l}`);
      vsQk = Math.max(vsQk, maxAbsDiff(rows, headMeanLastRow(debugOf(outputs, `debug.qk.${l}`), B, N, S, T)));
      const first = S === T;
      const ids = feeds.position_ids?.data as BigInt64Array | undefined;
      const positions = Array.from({ length: B }, (_, b) =>
        ids ? Number(first ? ids[0] + BigInt(S - 1) : ids[b * S + S - 1]) : first ? S - 1 : T - 1,
      );
      const input: RowInputs = {
        q: debugOf(outputs, `debug.q.${l}`),
        key: values(outputs[2][`present.${l}.key`]),
        B,
        S,
        N,
        K,
        H,
        T,
        scale: o.scale || Math.fround(1 / Math.fround(Math.sqrt(H))),
        softcap: o.softcap,
        window: o.window,
        bias: o.attentionBias
          ? { data: values(feeds.attention_bias), dims: feeds.attention_bias.dims as number[] }
          : undefined,
        rotary: o.doRotary
          ? {
              ...caches,
              dim: o.rotaryDim ?? H,
              interleaved: !!o.interleaved,
              positions,
              half: spec.dtype === 'fp16',
            }
          : undefined,
      };
      vsJs = Math.max(vsJs, maxAbsDiff(rows, referenceRows(input)));
      const plain = { ...input, rotary: undefined, window: undefined, softcap: undefined, bias: undefined };
      vsPlain = Math.max(vsPlain, maxAbsDiff(rows, referenceRows(plain)));
    }
  }
  return { vsQk, vsJs, vsPlain };
}

const CASES: { name: string; spec: DecoderSpec; qkTolerance?: number }[] = [
  { name: 'do_rotary 0, layers named 3 and 7', spec: { ...BASE, layerIds: [3, 7] } },
  {
    name: 'do_rotary 1, partial rotary (16 of 32), local window 3',
    // onnxruntime wants cos_cache's width a multiple of 8.
    spec: { ...BASE, headDim: 32, gqa: { doRotary: true, rotaryDim: 16, window: 3 } },
  },
  {
    name: 'do_rotary 1, interleaved, position_ids from 3, window 4',
    spec: { ...BASE, seed: 12, gqa: { doRotary: true, interleaved: true, positionIds: true, window: 4 } },
  },
  {
    name: 'softcap 1.5, attention_bias, scale 0.3, 4 query heads per KV head',
    spec: { ...BASE, kvHeads: 1, qkGain: 3, gqa: { softcap: 1.5, attentionBias: true, scale: 0.3 } },
  },
  {
    name: 'fp16 with do_rotary 1, window 4, attention_bias',
    spec: { ...BASE, dtype: 'fp16', gqa: { doRotary: true, window: 4, attentionBias: true } },
    // qk_output is written in fp16 (rounded): only the plain-JS reference is held to 1e-5.
    qkTolerance: 2e-3,
  },
];

describe('patching GroupQueryAttention decoders', () => {
  for (const { name, spec, qkTolerance } of CASES)
    it(`${name}: rows equal GQA qk_output and plain JS, outputs bitwise unchanged`, async () => {
      const { patch, steps } = await runPatched(spec);
      expect(patch.kind).toBe('gqa');
      expect(patch.layers).toEqual(spec.layerIds ?? [0, 1]);
      const d = compare({ ...spec, layerIds: undefined }, steps.map(renameLayers(spec)));
      console.log(
        `${name}: max |row - qk_output| ${d.vsQk.toExponential(2)}, max |row - JS| ${d.vsJs.toExponential(2)}`,
      );
      expect(d.vsQk).toBeLessThan(qkTolerance ?? 1e-5);
      expect(d.vsJs).toBeLessThan(1e-5);
      if (spec.gqa) expect(d.vsPlain).toBeGreaterThan(1e-2);
    });
});

/** Maps `decoder_attentions.{id}` back to the builder's layer order. */
function renameLayers(spec: DecoderSpec) {
  return (s: Step): Step => ({
    ...s,
    outputs: s.outputs.map((o, i) =>
      i !== 1
        ? o
        : Object.fromEntries(
            Object.entries(o).map(([k, v]) => {
              const m = /^decoder_attentions\.(\d+)$/.exec(k);
              return [
                m && spec.layerIds ? `decoder_attentions.${spec.layerIds.indexOf(Number(m[1]))}` : k,
                v,
              ];
            }),
          ),
    ),
  });
}
