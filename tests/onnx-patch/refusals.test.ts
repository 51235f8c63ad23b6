import { describe, expect, it } from 'vitest';
import { findAttention, patchDecoder, readGraph, UnpatchableError } from '../../src/workers/onnx';
import { FLOAT, model } from '../onnx/proto';
import { BASE, tinyDecoder, type DecoderSpec } from '../onnx/tiny-decoders';
import { decoderModel, tinyWeights } from '../onnx/tiny-vlm';
import { structuralProblems } from './structure';

function refusal(bytes: Uint8Array): string {
  try {
    findAttention(readGraph(bytes));
  } catch (e) {
    expect(e).toBeInstanceOf(UnpatchableError);
    // patchDecoder refuses the same way, before writing anything.
    expect(() => patchDecoder(bytes)).toThrow(UnpatchableError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('decoders the patcher refuses, with one line naming op, node and layer', () => {
  const cases: { name: string; spec: DecoderSpec; line: RegExp }[] = [
    {
      name: 'com.microsoft::Attention',
      spec: { ...BASE, style: 'attention-op', layerIds: [0, 1] },
      line: /^com\.microsoft::Attention node "\/model\/layers\.0\/attn\/Attention" \(layer 0\): this attention op is not supported$/,
    },
    {
      name: 'GQA with smooth_softmax',
      spec: { ...BASE, gqa: { extraAttrs: [{ name: 'smooth_softmax', i: 1 }] } },
      line: /^com\.microsoft::GroupQueryAttention node "GroupQueryAttention_\d+" \(layer 0\): smooth_softmax is not supported$/,
    },
    {
      name: 'GQA with an attribute the patcher does not know',
      spec: { ...BASE, layerIds: [4, 9], gqa: { extraAttrs: [{ name: 'sliding_window_cache', i: 1 }] } },
      line: /^com\.microsoft::GroupQueryAttention node "\/model\/layers\.4\/attn\/GroupQueryAttention" \(layer 4\): attribute sliding_window_cache is not supported$/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const line = refusal(tinyDecoder(c.spec));
      expect(line).toMatch(c.line);
      expect(line).not.toContain('\n');
    });

  it('a graph with no attention at all', () => {
    const bytes = model({
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', type: FLOAT, dims: [2] }],
      outputs: [{ name: 'y', type: FLOAT, dims: [2] }],
      initializers: [],
    });
    expect(refusal(bytes)).toMatch(/^no attention found/);
  });

  it('attention inside a Loop body', () => {
    const body = model({
      nodes: [
        {
          op: 'Loop',
          inputs: ['', 'cond'],
          outputs: [],
          name: 'outer_loop',
          attrs: [
            {
              name: 'body',
              g: {
                nodes: [
                  {
                    op: 'MultiHeadAttention',
                    domain: 'com.microsoft',
                    inputs: ['q', 'q', 'q', '', '', '', 'pk', 'pv'],
                    outputs: ['o', 'prk', 'prv'],
                    name: 'step_attention',
                    attrs: [{ name: 'num_heads', i: 4 }],
                  },
                ],
                inputs: [],
                outputs: [],
                initializers: [],
              },
            },
          ],
        },
      ],
      inputs: [],
      outputs: [],
      initializers: [],
    });
    expect(refusal(body)).toMatch(
      /^com\.microsoft::MultiHeadAttention node "step_attention": attention inside Loop "outer_loop" is not supported$/,
    );
  });
});

describe('a graph that already outputs decoder_attentions.*', () => {
  it('is reported and returned unchanged', () => {
    const bytes = decoderModel(tinyWeights());
    const r = patchDecoder(bytes);
    expect(r.unchanged).toBe(true);
    expect(r.bytes).toBe(bytes);
    expect(r.layers).toEqual([0, 1]);
    expect(r.outputs).toEqual(['decoder_attentions.0', 'decoder_attentions.1']);
    expect(r.kind).toBe('decomposed');
    expect(findAttention(readGraph(bytes)).alreadyPatched).toBe(true);
  });

  it('patching twice leaves the first patch as is', () => {
    const once = patchDecoder(tinyDecoder(BASE)).bytes;
    expect(structuralProblems(once)).toEqual([]);
    const twice = patchDecoder(once);
    expect(twice.unchanged).toBe(true);
    expect(twice.bytes).toBe(once);
  });
});
