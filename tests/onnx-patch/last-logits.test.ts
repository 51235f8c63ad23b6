import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastPositionLogits, patchDecoder, readGraph } from '../../src/workers/onnx';
import { BASE, tinyDecoderWithData, type DecoderSpec } from '../onnx/tiny-decoders';
import { writeTinyRepo, type TinyFamily } from '../onnx/tiny-repo';
import { checkLastLogits } from './last-logits-run';

/**
 * The last-position logits patch (issue 18): on the tiny decoders of every
 * attention structure, the tiny repos of every family (plain and If-merged)
 * and the demo model, the patched logits are [1, 1, vocabulary] and equal,
 * bit for bit, the unpatched graph's last position, at the prefill and at
 * each decode step; every other output is bit-identical. With the attention
 * patch applied first, as the loader does.
 */
const root = mkdtempSync(join(tmpdir(), 'last-logits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectExact(r: Awaited<ReturnType<typeof checkLastLogits>>) {
  expect(r.why).toBeUndefined();
  expect(r.applied).toBe(true);
  expect(r.logitsDiffer).toEqual([]);
  expect(r.othersDiffer).toEqual([]);
  expect(r.dims[0].plain[1]).toBe(6);
  for (const d of r.dims) expect(d.patched).toEqual([1, 1, d.plain[2]]);
}

describe('logits of the last position only', () => {
  const specs: [string, DecoderSpec][] = [
    ['GQA', BASE],
    ['GQA with rotary and softcap', { ...BASE, gqa: { doRotary: true, softcap: 30 } }],
    ['MultiHeadAttention', { ...BASE, style: 'mha', kvHeads: 4 }],
    ['decomposed attention', { ...BASE, style: 'decomposed' }],
    ['fp16 GQA', { ...BASE, dtype: 'fp16' }],
    ['an If-merged decoder', { ...BASE, style: 'decomposed', ifMerged: true }],
  ];
  for (const [name, spec] of specs)
    it(`${name}: the last row is bit-identical, the rest of the outputs too`, async () => {
      const { bytes, externalData } = tinyDecoderWithData(spec);
      expectExact(await checkLastLogits(patchDecoder(bytes).bytes, externalData));
    });

  const families: [TinyFamily, boolean][] = [
    ['qwen2_vl', false],
    ['qwen3_5_hybrid', false],
    ['smolvlm', false],
    ['qwen2_vl', true],
  ];
  for (const [family, ifMerged] of families)
    it(`the tiny ${family}${ifMerged ? ' (If-merged)' : ''} repo's decoder`, async () => {
      const dir = join(root, `${family}${ifMerged ? '-merged' : ''}`);
      writeTinyRepo(dir, family, { ifMerged });
      const bytes = new Uint8Array(readFileSync(join(dir, 'onnx/decoder_model_merged.onnx')));
      expectExact(await checkLastLogits(patchDecoder(bytes).bytes));
    });

  it('the demo model (a MatMul whose weight is dequantised int8)', async () => {
    const bytes = new Uint8Array(readFileSync('public/models/real-demo-v1/onnx/decoder_model_merged.onnx'));
    expectExact(await checkLastLogits(bytes));
  });

  it('leaves a graph with num_logits_to_keep alone, and says why it cannot patch one', () => {
    const gemma = join(root, 'gemma3');
    writeTinyRepo(gemma, 'gemma3');
    const withKeep = new Uint8Array(readFileSync(join(gemma, 'onnx/decoder_model_merged.onnx')));
    const r = lastPositionLogits(withKeep);
    expect(r).toMatchObject({ applied: false, why: 'the graph has num_logits_to_keep (fed 1)' });
    expect(r.bytes).toBe(withKeep);
    // Patched twice: the second time finds its own slice and leaves the graph as it is.
    const once = lastPositionLogits(tinyDecoderWithData(BASE).bytes);
    expect(once.applied).toBe(true);
    const twice = lastPositionLogits(once.bytes);
    expect(twice.applied).toBe(false);
    expect(readGraph(twice.bytes).nodes.length).toBe(readGraph(once.bytes).nodes.length);
  });
});
