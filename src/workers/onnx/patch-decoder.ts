import { attentionOutputName, findAttention, type AttentionKind, type AttentionSite } from './attention-plan';
import { Branch, GraphAdditions } from './branch-builder';
import { graphFragment, outputFields, type NewValue } from './encode';
import {
  DataType,
  type AttributeInfo,
  type Dim,
  type GraphInfo,
  type NodeInfo,
  type Span,
} from './graph-types';
import { readGraph } from './read-graph';
import { gqaRow, mhaRow, softmaxRow } from './side-branches';
import { refuse } from './unpatchable';
import { concatBytes, fieldHeader } from './wire';

/**
 * Adds `decoder_attentions.L` outputs to a decoder without touching its
 * weights or re-encoding its graph: protobuf merges a singular message field
 * that appears again and appends repeated ones, so the new nodes and outputs
 * go in a second ModelProto.graph field after the original bytes. For an
 * If-merged decoder the If node is rewritten (both branches get their
 * branch and the If gets the outputs) and spliced between byte ranges of the
 * original graph.
 */

export interface PatchResult {
  bytes: Uint8Array;
  /** Decoder layer indices that give rows, ascending. */
  layers: number[];
  /** Output names, in layer order. */
  outputs: string[];
  kind: AttentionKind;
  /** True when the graph already had `decoder_attentions.*` outputs and was returned as is. */
  unchanged: boolean;
}

const PREFIX = '/real_inspector_patch/';

function aiOnnxOpset(g: GraphInfo): number {
  return g.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
}

/** Symbolic dims for the new outputs: [batch, total] as the layer's key says them. */
function rowDims(s: AttentionSite): Dim[] {
  const key = s.site.kind === 'decomposed' ? s.site.config.probs : s.site.config.presentKey;
  const d = s.scope.dims(key);
  const keyAxis = s.site.kind === 'decomposed' ? 3 : 2;
  return [d?.[0] ?? 'batch_size', d?.[keyAxis] ?? 'total_sequence_length'];
}

function emit(add: GraphAdditions, s: AttentionSite, output: string): void {
  const b = new Branch(add, `L${s.layer}`);
  if (s.site.kind === 'gqa') gqaRow(b, s.site.config, output);
  else if (s.site.kind === 'mha') mhaRow(b, s.site.config, output);
  else softmaxRow(b, s.site.config, output);
}

/** The branch nodes and outputs for a list of sites, as a GraphProto fragment. */
function fragmentFor(sites: AttentionSite[], prefix: string, opset: number, names: (l: number) => string) {
  const add = new GraphAdditions(prefix, opset);
  const outputs: NewValue[] = sites.map((s) => {
    const name = names(s.layer);
    emit(add, s, name);
    return { name, elemType: DataType.FLOAT, dims: rowDims(s) };
  });
  return graphFragment(add.nodes, add.initializers, outputs);
}

const slice = (bytes: Uint8Array, from: number, to: number) => bytes.subarray(from, to);

/** An attribute holding a graph, with `extra` GraphProto fields merged into that graph. */
function extendGraphAttr(bytes: Uint8Array, a: AttributeInfo, extra: Uint8Array): Uint8Array[] {
  const more = [fieldHeader(6, extra.length), extra];
  const len = a.span.end - a.span.payload + more[0].length + extra.length;
  return [fieldHeader(5, len), slice(bytes, a.span.payload, a.span.end), ...more];
}

/** Replaces byte ranges of [span.payload, span.end) with new pieces and re-frames the field. */
function reframe(
  bytes: Uint8Array,
  field: number,
  span: Span,
  edits: { at: Span; with: Uint8Array[] }[],
  tail: Uint8Array[],
): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let at = span.payload;
  for (const e of [...edits].sort((x, y) => x.at.start - y.at.start)) {
    pieces.push(slice(bytes, at, e.at.start), ...e.with);
    at = e.at.end;
  }
  pieces.push(slice(bytes, at, span.end), ...tail);
  const len = pieces.reduce((n, p) => n + p.length, 0);
  return [fieldHeader(field, len), ...pieces];
}

function patchIf(
  bytes: Uint8Array,
  g: GraphInfo,
  ifNode: NodeInfo,
  then: AttentionSite[],
  other: AttentionSite[],
  opset: number,
): Uint8Array {
  const layers = then.map((s) => s.layer);
  const inner = (branch: string) => (l: number) => `${PREFIX}${branch}/${attentionOutputName(l)}`;
  const attr = (k: string) => ifNode.attributes.find((a) => a.name === k)!;
  const thenAttr = attr('then_branch');
  const elseAttr = attr('else_branch');
  const within = (s: Span, outer: Span) => s.start >= outer.payload && s.end <= outer.end;
  if (!within(ifNode.span, g.span))
    refuse('If', ifNode.name, null, 'the node lies outside the first graph field');
  const nodeBytes = reframe(
    bytes,
    1,
    ifNode.span,
    [
      {
        at: thenAttr.span,
        with: extendGraphAttr(bytes, thenAttr, fragmentFor(then, `${PREFIX}then/`, opset, inner('then'))),
      },
      {
        at: elseAttr.span,
        with: extendGraphAttr(bytes, elseAttr, fragmentFor(other, `${PREFIX}else/`, opset, inner('else'))),
      },
    ],
    [outputFields(layers.map(attentionOutputName))],
  );
  const top = graphFragment(
    [],
    [],
    then.map((s) => ({ name: attentionOutputName(s.layer), elemType: DataType.FLOAT, dims: rowDims(s) })),
  );
  const graphBytes = reframe(bytes, 7, g.span, [{ at: ifNode.span, with: nodeBytes }], [top]);
  return concatBytes([slice(bytes, 0, g.span.start), ...graphBytes, slice(bytes, g.span.end, bytes.length)]);
}

export function patchDecoder(bytes: Uint8Array): PatchResult {
  const g = readGraph(bytes);
  const plan = findAttention(g);
  const outputs = plan.layers.map(attentionOutputName);
  if (plan.alreadyPatched) return { bytes, layers: plan.layers, outputs, kind: plan.kind, unchanged: true };
  const opset = aiOnnxOpset(g);
  if (opset < 13) refuse('Model', g.name, null, `ai.onnx opset ${opset} is older than 13`);
  for (const n of outputs)
    if (g.outputs.some((o) => o.name === n) || g.nodes.some((x) => x.outputs.includes(n)))
      refuse('Model', g.name, null, `the name ${n} is taken`);
  if (g.nodes.some((n) => n.name.startsWith(PREFIX) || n.outputs.some((o) => o.startsWith(PREFIX))))
    refuse('Model', g.name, null, `names under ${PREFIX} are taken`);
  let out: Uint8Array;
  if (plan.branches) {
    const { ifNode, then, else: other } = plan.branches;
    out = patchIf(bytes, g, ifNode, then, other, opset);
  } else {
    const fragment = fragmentFor(plan.sites, PREFIX, opset, attentionOutputName);
    out = concatBytes([bytes, fieldHeader(7, fragment.length), fragment]);
  }
  return { bytes: out, layers: plan.layers, outputs, kind: plan.kind, unchanged: false };
}
