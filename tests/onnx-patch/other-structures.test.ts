import { describe, expect, it } from 'vitest';
import { BASE, type DecoderSpec } from '../onnx/tiny-decoders';
import type { Step } from './decoder-run';
import { debugOf, PLAN, rowsOf, runPatched } from './patched-run';
import { headMeanLastRow, maxAbsDiff, referenceRows, values } from './reference-rows';

/**
 * Decomposed attention (fp32, and fp16 with Casts around the Softmax),
 * MultiHeadAttention with a KV cache, and an optimum-style If-merged
 * decoder: rows against plain JS from the layer's query and key, and
 * against the head mean of the Softmax's own output where there is one.
 */

function compare(spec: DecoderSpec, steps: Step[], probs: boolean) {
  const { heads: N, headDim: H } = spec;
  let vsProbs = 0;
  let vsJs = 0;
  for (const { outputs, feeds, seq: S, past } of steps) {
    const T = past + S;
    const B = PLAN.batch;
    for (let l = 0; l < spec.layers; l++) {
      const rows = rowsOf(outputs, `decoder_attentions.${l}`);
      if (probs)
        vsProbs = Math.max(
          vsProbs,
          maxAbsDiff(rows, headMeanLastRow(debugOf(outputs, `debug.p.${l}`), B, N, S, T)),
        );
      const bias = feeds.attention_bias;
      const js = referenceRows({
        q: debugOf(outputs, `debug.q.${l}`),
        key: values(outputs[2][`present.${l}.key`]),
        B,
        S,
        N,
        K: N,
        H,
        T,
        scale: Math.fround(1 / Math.sqrt(H)),
        bias: bias ? { data: values(bias), dims: bias.dims as number[] } : undefined,
      });
      vsJs = Math.max(vsJs, maxAbsDiff(rows, js));
    }
  }
  return { vsProbs, vsJs };
}

const CASES: { name: string; spec: DecoderSpec; kind: string }[] = [
  {
    name: 'decomposed fp32, layers by order',
    spec: { ...BASE, style: 'decomposed', kvHeads: 4 },
    kind: 'decomposed',
  },
  {
    name: 'decomposed fp16 with Casts around Softmax, layers named 2 and 5',
    spec: { ...BASE, style: 'decomposed', kvHeads: 4, dtype: 'fp16', layerIds: [2, 5] },
    kind: 'decomposed',
  },
  {
    name: 'MultiHeadAttention with past/present and attention_bias',
    spec: { ...BASE, style: 'mha', kvHeads: 4, gqa: { attentionBias: true } },
    kind: 'mha',
  },
  {
    name: 'If-merged (use_cache_branch), decomposed attention in both branches',
    spec: { ...BASE, style: 'decomposed', kvHeads: 4, ifMerged: true, layerIds: [0, 1] },
    kind: 'if-merged',
  },
];

describe('patching other attention structures', () => {
  for (const { name, spec, kind } of CASES)
    it(`${name}: rows equal an independent computation, outputs bitwise unchanged`, async () => {
      const { patch, steps } = await runPatched(spec);
      expect(patch.kind).toBe(kind);
      expect(patch.layers).toEqual(spec.layerIds ?? [0, 1]);
      const named = spec.layerIds
        ? steps.map((s) => ({
            ...s,
            outputs: s.outputs.map((o, i) =>
              i === 1
                ? {
                    ...o,
                    ...Object.fromEntries(
                      spec.layerIds!.map((id, l) => [
                        `decoder_attentions.${l}`,
                        o[`decoder_attentions.${id}`],
                      ]),
                    ),
                  }
                : o,
            ),
          }))
        : steps;
      const d = compare(spec, named, spec.style === 'decomposed');
      console.log(
        `${name}: max |row - softmax head mean| ${d.vsProbs.toExponential(2)}, max |row - JS| ${d.vsJs.toExponential(2)}`,
      );
      expect(d.vsProbs).toBeLessThan(1e-5);
      expect(d.vsJs).toBeLessThan(1e-5);
    });
});
