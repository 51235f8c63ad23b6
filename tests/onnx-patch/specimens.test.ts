import { describe, expect, it } from 'vitest';
import {
  allGraphs,
  externalDataFiles,
  findAttention,
  patchDecoder,
  readGraph,
  UnpatchableError,
} from '../../src/workers/onnx';
import { HAVE_SPECIMENS, specimenGraphs } from './specimens';
import { structuralProblems } from './structure';
import { withCpuMs } from '../timing';

/**
 * The real onnx-community graphs (weights absent): read quickly and as
 * graphs.json describes them, attention found in the right layers, patched
 * graphs structurally valid with the original bytes kept as they were.
 */

const TYPE: Record<string, number> = { FLOAT: 1, INT64: 7, FLOAT16: 10, INT32: 6, BOOL: 9 };
const graphs = specimenGraphs();
const decoders = graphs.filter((g) => g.file.includes('decoder_model_merged'));

describe.skipIf(!HAVE_SPECIMENS)('the onnx-community specimens (../shared)', () => {
  it('read every graph quickly, as graphs.json describes it', () => {
    const times: string[] = [];
    for (const s of graphs) {
      const { value: g, cpuMs } = withCpuMs(() => readGraph(s.bytes));
      times.push(
        `${s.model}/${s.file} ${(s.bytes.length / 1e6).toFixed(2)} MB: ${cpuMs.toFixed(1)} ms of CPU`,
      );
      expect(cpuMs, s.file).toBeLessThan(1000);
      const io = (v: { name: string; elemType: number; dims: unknown[] | null }) => ({
        name: v.name,
        type: v.elemType,
        dims: v.dims,
      });
      const facts = (v: { name: string; dtype: string; shape: unknown[] }) => ({
        name: v.name,
        type: TYPE[v.dtype],
        dims: v.shape,
      });
      expect(g.inputs.map(io), s.file).toEqual(s.facts.inputs.map(facts));
      expect(g.outputs.map(io), s.file).toEqual(s.facts.outputs.map(facts));
      expect(g.nodes.length).toBe(s.facts.nodes_top_level);
      const inits = allGraphs(g).flatMap((sub) => sub.initializers);
      expect(inits.filter((t) => t.external).length).toBe(s.facts.initializers.external);
      expect(inits.filter((t) => !t.external).length).toBe(s.facts.initializers.inline);
      expect(externalDataFiles(g)).toEqual(
        s.facts.external_data.map((e) => ({ location: e.location, bytes: e.total_bytes })),
      );
    }
    console.log(times.join('\n'));
  });

  it('find the 34 GQA layers of each Gemma-3-4B decoder and layers 3, 7, …, 23 of Qwen3.5', () => {
    expect(decoders.length).toBe(6);
    for (const s of decoders) {
      const plan = findAttention(readGraph(s.bytes));
      expect(plan.kind, s.file).toBe('gqa');
      const want =
        s.model === 'gemma-3-4b' ? Array.from({ length: 34 }, (_, i) => i) : [3, 7, 11, 15, 19, 23];
      expect(plan.layers, s.file).toEqual(want);
      expect(plan.layers).toEqual(s.facts.attention_nodes!.map((a) => a.layer));
      for (const site of plan.sites) {
        const facts = s.facts.attention_nodes!.find((a) => a.layer === site.layer)!;
        expect(site.node.name).toBe(facts.name);
        if (site.site.kind !== 'gqa') throw new Error('not gqa');
        const c = site.site.config;
        expect([c.numHeads, c.kvHeads, c.window, c.doRotary ? 1 : 0, c.scale]).toEqual([
          facts.attributes.num_heads,
          facts.attributes.kv_num_heads,
          facts.attributes.local_window_size,
          facts.attributes.do_rotary,
          facts.attributes.scale,
        ]);
        expect(c.headSize).toBe(256);
        expect(c.elemType).toBe(/f16|fp16/.test(s.file) ? 10 : 1);
      }
    }
  });

  it('patch every decoder into a valid graph that keeps the original bytes first', () => {
    for (const s of decoders) {
      expect(structuralProblems(s.bytes), s.file).toEqual([]);
      const t0 = performance.now();
      const p = patchDecoder(s.bytes);
      const ms = performance.now() - t0;
      console.log(
        `patched ${s.model}/${s.file}: ${p.outputs.length} outputs, +${p.bytes.length - s.bytes.length} bytes, ${ms.toFixed(0)} ms`,
      );
      expect(p.unchanged).toBe(false);
      expect(structuralProblems(p.bytes), s.file).toEqual([]);
      expect(Buffer.compare(p.bytes.subarray(0, s.bytes.length), s.bytes)).toBe(0);
      const g = readGraph(p.bytes);
      const before = readGraph(s.bytes);
      expect(g.outputs.slice(0, before.outputs.length)).toEqual(before.outputs);
      expect(g.outputs.slice(before.outputs.length).map((o) => o.name)).toEqual(p.outputs);
      expect(
        g.outputs.slice(before.outputs.length).every((o) => o.elemType === 1 && o.dims?.length === 2),
      ).toBe(true);
      const names = g.nodes.flatMap((n) => n.outputs).filter(Boolean);
      expect(new Set(names).size).toBe(names.length);
      expect(externalDataFiles(g)).toEqual(externalDataFiles(before));
    }
  });

  it('refuse the vision encoders (MultiHeadAttention without a KV cache) and embed_tokens (no attention)', () => {
    for (const s of graphs.filter((g) => !g.file.includes('decoder'))) {
      const line = (() => {
        try {
          patchDecoder(s.bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(UnpatchableError);
          return (e as Error).message;
        }
        return 'not refused';
      })();
      if (s.file.includes('vision'))
        expect(line).toMatch(
          /^com\.microsoft::MultiHeadAttention node "\/model\/layers\.0\/attn\/[^"]+" \(layer 0\): not a decoder attention \(no past_key\/present_key\)$/,
        );
      else expect(line).toMatch(/^no attention found/);
    }
  });
});
