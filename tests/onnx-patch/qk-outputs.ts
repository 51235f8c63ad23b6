/**
 * Turns on GroupQueryAttention's own `qk_output` (2: probabilities after
 * softmax, output 3, onnxruntime's CPU kernel) on every top-level GQA node
 * of a real graph and makes it a graph output: the reference for rows
 * patched into graphs the tests do not build themselves. Nodes are spliced
 * at the wire level, as the patcher does.
 */
import { readGraph } from '../../src/workers/onnx';
import { graphFragment } from '../../src/workers/onnx/encode';
import { concatBytes, fieldHeader, Writer } from '../../src/workers/onnx/wire';

const LAYER = /(?:^|\/)layers\.(\d+)\//;

export function withQkOutputs(bytes: Uint8Array): {
  bytes: Uint8Array;
  outputs: { layer: number; name: string; heads: number }[];
} {
  const g = readGraph(bytes);
  const pieces: Uint8Array[] = [];
  const outputs: { layer: number; name: string; heads: number }[] = [];
  let at = g.span.payload;
  for (const n of g.nodes) {
    if (n.op !== 'GroupQueryAttention') continue;
    const layer = Number(LAYER.exec(n.name)?.[1] ?? outputs.length);
    const name = `debug.qk.${layer}`;
    const heads = n.attributes.find((a) => a.name === 'num_heads')!.i!;
    const w = Writer.create();
    w.uint32((5 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string('qk_output')
      .uint32(3 << 3)
      .int64(2)
      .uint32(20 << 3)
      .int32(2)
      .ldelim();
    for (let i = n.outputs.length; i < 3; i++) w.uint32((2 << 3) | 2).string('');
    w.uint32((2 << 3) | 2).string(name);
    const tail = w.finish();
    const payload = bytes.subarray(n.span.payload, n.span.end);
    pieces.push(
      bytes.subarray(at, n.span.start),
      fieldHeader(1, payload.length + tail.length),
      payload,
      tail,
    );
    at = n.span.end;
    outputs.push({ layer, name, heads });
  }
  // qk_output has the attention's element type: the present key's.
  const types = new Map(g.outputs.map((o) => [o.name, o.elemType]));
  const elemType = (layer: number) => types.get(`present.${layer}.key`) ?? 1;
  const extra = graphFragment(
    [],
    [],
    outputs.map((o) => ({
      name: o.name,
      elemType: elemType(o.layer),
      dims: ['batch_size', o.heads, 'sequence_length', 'total_sequence_length'],
    })),
  );
  pieces.push(bytes.subarray(at, g.span.end), extra);
  const graphLen = pieces.reduce((s, p) => s + p.length, 0);
  return {
    bytes: concatBytes([
      bytes.subarray(0, g.span.start),
      fieldHeader(7, graphLen),
      ...pieces,
      bytes.subarray(g.span.end),
    ]),
    outputs,
  };
}
