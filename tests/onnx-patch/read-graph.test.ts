import { describe, expect, it } from 'vitest';
import { externalDataFiles, OnnxFormatError, readGraph } from '../../src/workers/onnx';
import { FLOAT, FLOAT16, INT64, graph, model } from '../onnx/proto';
import { withCpuMs } from '../timing';

/** A model with every kind of field readGraph reports, and a large inline weight. */
function sample(inlineFloats: number): Uint8Array {
  return model(
    {
      inputs: [
        { name: 'x', type: FLOAT, dims: ['batch', 4] },
        { name: 'flag', type: 9, dims: [1] },
      ],
      outputs: [{ name: 'y', type: FLOAT16, dims: ['batch', 4] }],
      initializers: [
        { name: 'w', dims: [inlineFloats], type: FLOAT, values: new Float32Array(inlineFloats) },
        {
          name: 'big',
          dims: [1024, 4],
          type: FLOAT,
          values: [],
          external: { location: 'm.onnx_data', offset: 0, length: 16384 },
        },
        {
          name: 'big2',
          dims: [8],
          type: INT64,
          values: [],
          external: { location: 'm.onnx_data', offset: 16384, length: 64 },
        },
        {
          name: 'other',
          dims: [2],
          type: FLOAT,
          values: [],
          external: { location: 'm.onnx_data_1', offset: 128, length: 8 },
        },
      ],
      nodes: [
        {
          op: 'GroupQueryAttention',
          domain: 'com.microsoft',
          name: '/model/layers.3/attn/GroupQueryAttention',
          inputs: ['x', '', 'x'],
          outputs: ['a', 'b'],
          attrs: [
            { name: 'num_heads', i: 8 },
            { name: 'scale', f: 0.0625 },
            { name: 'k_quant_type', s: 'NONE' },
            { name: 'perm', ints: [0, -1, 2] },
            { name: 'value', t: { name: 'c', dims: [2], type: FLOAT16, values: [1, 2] } },
          ],
        },
        {
          op: 'If',
          inputs: ['flag'],
          outputs: ['y'],
          name: 'branchy',
          attrs: [
            {
              name: 'then_branch',
              g: {
                nodes: [{ op: 'Cast', inputs: ['a'], outputs: ['t'], attrs: [{ name: 'to', i: FLOAT16 }] }],
                inputs: [],
                outputs: [{ name: 't', type: FLOAT16, dims: [] }],
                initializers: [],
              },
            },
            { name: 'else_branch', g: { nodes: [], inputs: [], outputs: [], initializers: [] } },
          ],
        },
      ],
    },
    21,
    { imports: [{ domain: 'com.microsoft', version: 1 }], irVersion: 10 },
  );
}

describe('readGraph', () => {
  it('reports structure and tensor metadata, no bytes', () => {
    const bytes = sample(1000);
    const g = readGraph(bytes);
    expect(g.irVersion).toBe(10);
    expect(g.opsetImports).toEqual([
      { domain: '', version: 21 },
      { domain: 'com.microsoft', version: 1 },
    ]);
    expect(g.inputs[0]).toEqual({ name: 'x', elemType: FLOAT, dims: ['batch', 4] });
    expect(g.outputs[0]).toEqual({ name: 'y', elemType: FLOAT16, dims: ['batch', 4] });
    expect(g.initializers[0]).toEqual({
      name: 'w',
      dataType: FLOAT,
      dims: [1000],
      inlineBytes: 4000,
      external: null,
    });
    expect(g.initializers[1].external).toEqual({ location: 'm.onnx_data', offset: 0, length: 16384 });
    const gqa = g.nodes[0];
    expect(gqa).toMatchObject({
      op: 'GroupQueryAttention',
      domain: 'com.microsoft',
      inputs: ['x', '', 'x'],
      outputs: ['a', 'b'],
    });
    const attr = Object.fromEntries(gqa.attributes.map((a) => [a.name, a]));
    expect(attr.num_heads.i).toBe(8);
    expect(attr.scale.f).toBe(0.0625);
    expect(attr.k_quant_type.s).toBe('NONE');
    expect(attr.perm.ints).toEqual([0, -1, 2]);
    expect(attr.value.t).toMatchObject({ name: 'c', dataType: FLOAT16, dims: [2], inlineBytes: 4 });
    const then = g.nodes[1].attributes[0].g!;
    expect(then.nodes[0]).toMatchObject({ op: 'Cast', inputs: ['a'], outputs: ['t'] });
    // Spans are absolute: a node's bytes re-read alone give the same node.
    const again = readGraph(model({ nodes: [], inputs: [], outputs: [], initializers: [] }));
    expect(again.nodes).toEqual([]);
    const nodeBytes = bytes.subarray(gqa.span.start, gqa.span.end);
    const wrapped = new Uint8Array([0x3a, ...varint(nodeBytes.length), ...nodeBytes]);
    expect(readGraph(wrapped).nodes[0]).toMatchObject({ op: gqa.op, name: gqa.name, inputs: gqa.inputs });
    expect(JSON.stringify(g).length).toBeLessThan(5000);
  });

  it('gives each external file its size: the largest offset + length', () => {
    expect(externalDataFiles(readGraph(sample(4)))).toEqual([
      { location: 'm.onnx_data', bytes: 16448 },
      { location: 'm.onnx_data_1', bytes: 136 },
    ]);
  });

  it('skips inline weights by their length (256 MB in a few ms)', () => {
    const n = 256 * 1024 * 1024;
    // TensorProto { dims: [n], data_type: UINT8, name: "w", raw_data: n zero bytes }, written around one buffer.
    const head = [0x08, ...varint(n), 0x10, 2, 0x42, 1, 0x77, 0x4a, ...varint(n)];
    const tensorLen = head.length + n;
    const graphHead = [0x2a, ...varint(tensorLen), ...head];
    const graphLen = graphHead.length + n;
    const modelHead = [0x08, 8, 0x3a, ...varint(graphLen), ...graphHead];
    const bytes = new Uint8Array(modelHead.length + n);
    bytes.set(modelHead);
    // CPU time: a loop over the 256 MB (or a copy of them) takes hundreds of ms; skipping, a few.
    const { value: g, cpuMs } = withCpuMs(() => readGraph(bytes));
    expect(g.initializers[0]).toMatchObject({ name: 'w', dims: [n], inlineBytes: n });
    expect(cpuMs).toBeLessThan(50);
  });

  it('merges a graph field that appears twice, as protobuf does', () => {
    const extra = graph({
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['z'] }],
      inputs: [],
      outputs: [{ name: 'z', type: FLOAT, dims: [] }],
      initializers: [],
    });
    const bytes = sample(4);
    const merged = new Uint8Array([...bytes, 0x3a, ...varint(extra.length), ...extra]);
    const g = readGraph(merged);
    expect(g.nodes.map((n) => n.op)).toEqual(['GroupQueryAttention', 'If', 'Relu']);
    expect(g.outputs.map((o) => o.name)).toEqual(['y', 'z']);
    expect(g.inputs.map((v) => v.name)).toEqual(['x', 'flag']);
  });

  it.each([
    [{ offset: -64, length: 16 }, /external data offset "-64" is not a byte count/],
    [{ offset: 0, length: -16 }, /external data length "-16" is not a byte count/],
    [{ offset: 1.5, length: 16 }, /external data offset "1\.5" is not a byte count/],
    [{ offset: 2 ** 53 - 8, length: 16 }, /external data ends past 2\^53 bytes/],
    [{ offset: 0, length: 8 }, /external data length 8 is not its 4 × 4 = 16 bytes/],
    [{ offset: 0, length: 1e20 }, /external data length "100000000000000000000" is not a byte count/],
  ])('refuses an impossible external extent %o', (extent, why) => {
    const bytes = model({
      inputs: [],
      outputs: [],
      initializers: [
        { name: 'w', dims: [4], type: FLOAT, values: [], external: { location: 'w.onnx_data', ...extent } },
      ],
      nodes: [],
    });
    expect(() => readGraph(bytes)).toThrow(OnnxFormatError);
    expect(() => readGraph(bytes)).toThrow(why);
  });

  it('refuses zeros at once (field number 0), however many', () => {
    const { cpuMs } = withCpuMs(() => {
      expect(() => readGraph(new Uint8Array(100 * 2 ** 20))).toThrow(/field number 0 at byte 0/);
    });
    expect(cpuMs).toBeLessThan(50);
  });

  it('says when bytes are not a model', () => {
    expect(() => readGraph(new TextEncoder().encode('<html>not found</html>'))).toThrow(OnnxFormatError);
    expect(() => readGraph(sample(4).subarray(0, 200))).toThrow(OnnxFormatError);
    expect(() => readGraph(new Uint8Array(0))).toThrow(/no graph/);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
