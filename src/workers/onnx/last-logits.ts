import { DataType, type GraphBody, type GraphInfo, type NodeInfo, type Span } from './graph-types';
import { graphFragment, type NewNode, type NewTensor } from './encode';
import { readGraph } from './read-graph';
import { Reader, Writer, concatBytes, fieldHeader, forFields, type PbReader } from './wire';

/**
 * Logits of the last position only, for a decoder that has no
 * `num_logits_to_keep` (the Qwen3.5 export, the demo model): onnxruntime
 * runs every node of a graph whatever is fetched, so a prefill of S
 * positions makes S × vocabulary logits (381 MB for Qwen3.5 at 400
 * positions) that the engine then drops. The LM head's input is sliced to
 * its last position instead: the head (MatMul, MatMulInteger after a
 * DynamicQuantizeLinear, MatMulNBits, …) and what follows it (a Cast, the
 * dequantising Mul, a softcap) then make [batch, 1, vocabulary], as
 * `num_logits_to_keep = 1` would. The slice goes after any per-tensor
 * quantisation of the head's input, so the quantisation scale (computed over
 * every position) and hence the last row are what they were: bit-identical
 * where the head's kernel computes each row alone.
 *
 * Like the attention patch, nothing is re-encoded: the head node's first
 * input field is spliced, the Slice and its constants are appended to the
 * graph (or to both branches of an Optimum `If`), and every length prefix
 * around the splice is rewritten.
 */

export interface LastLogitsResult {
  bytes: Uint8Array;
  /** True when the logits are now of the last position only. */
  applied: boolean;
  /** When not applied: why (the graph keeps its logits of every position). */
  why?: string;
  /** When applied: the LM head node(s) whose input was sliced. */
  heads?: string[];
}

const PREFIX = '/real_inspector_last_logits/';
const INT64_MAX = 9223372036854775807n;

/** Ops between the LM head and `logits` that act position by position (their other inputs carry no position). */
const ELEMENTWISE = new Set(['Cast', 'Mul', 'Div', 'Add', 'Sub', 'Tanh', 'Identity', 'Neg']);
/** LM heads: the first input is [batch, sequence, hidden], the others weights. */
const HEADS = new Set([
  'MatMul',
  'MatMulInteger',
  'MatMulNBits',
  'FusedMatMul',
  'MatMulIntegerToFloat',
  'DynamicQuantizeMatMul',
]);
/** Ops whose output carries no position when none of their inputs does (weights being dequantised or reshaped). */
const PURE = new Set([
  'Constant',
  'DequantizeLinear',
  'Cast',
  'Mul',
  'Div',
  'Add',
  'Sub',
  'Reshape',
  'Transpose',
  'Unsqueeze',
  'Squeeze',
  'Identity',
]);

/** A graph and the graphs around it (a branch reads the outer scopes' values). */
interface Scope {
  body: GraphBody;
  outer: Scope | null;
}

function producerIn(scope: Scope, value: string): { node: NodeInfo; index: number } | 'initializer' | null {
  for (let s: Scope | null = scope; s; s = s.outer) {
    if (s.body.initializers.some((t) => t.name === value)) return 'initializer';
    for (const node of s.body.nodes) {
      const index = node.outputs.indexOf(value);
      if (index >= 0) return { node, index };
    }
  }
  return null;
}

/** Whether `value` holds no per-position data: weights, constants, quantisation scales, and what is made of them. */
function positionFree(scope: Scope, value: string, depth = 0): boolean {
  if (value === '') return true;
  if (depth > 32) return false;
  const p = producerIn(scope, value);
  if (p === 'initializer') return true;
  if (p === null) return false; // a graph input
  const { node, index } = p;
  // DynamicQuantizeLinear's scale and zero point are scalars over the whole tensor.
  if (node.op === 'DynamicQuantizeLinear') return index > 0;
  if (!PURE.has(node.op)) return false;
  return node.inputs.every((i) => positionFree(scope, i, depth + 1));
}

/** Follows `logits` back through position-wise ops to the LM head; a reason string when it cannot. */
function findHead(scope: Scope, output: string): NodeInfo | string {
  let value = output;
  for (let step = 0; step < 16; step++) {
    const p = producerIn({ body: scope.body, outer: null }, value);
    if (p === null || p === 'initializer') return `${value} is not computed in the graph`;
    const { node } = p;
    if (HEADS.has(node.op)) {
      const [x, ...weights] = node.inputs;
      if (positionFree(scope, x)) return `the input of ${node.op} ${node.name} carries no position`;
      if (!weights.every((w) => positionFree(scope, w)))
        return `${node.op} ${node.name} multiplies two per-position values`;
      return node;
    }
    if (!ELEMENTWISE.has(node.op))
      return `logits come from ${node.op} ${node.name}, not from an LM head the patcher knows`;
    const moving = node.inputs.filter((i) => !positionFree(scope, i));
    if (moving.length !== 1) return `${node.op} ${node.name} combines ${moving.length} per-position values`;
    value = moving[0];
  }
  return 'the LM head is more than 16 nodes before the logits';
}

/** The byte range of a node's first `input` field. */
function firstInputField(bytes: Uint8Array, node: NodeInfo): { start: number; end: number } {
  const r: PbReader = Reader.create(bytes);
  r.pos = node.span.payload;
  let found: { start: number; end: number } | null = null;
  forFields(r, node.span.end, (no, wire, start) => {
    if (no === 1 && found === null) {
      r.string();
      found = { start, end: r.pos };
    } else r.skipType(wire);
  });
  if (!found) throw new Error(`node ${node.name} has no input`);
  return found;
}

interface Edit {
  start: number;
  end: number;
  with: Uint8Array[];
}

function fieldNumber(bytes: Uint8Array, span: Span): number {
  return Reader.create(bytes.subarray(span.start, span.payload)).uint32() >>> 3;
}

/** The bytes of [from, to) with `edits` applied and every container's length prefix rewritten. */
function rebuild(
  bytes: Uint8Array,
  from: number,
  to: number,
  containers: Span[],
  edits: Edit[],
): Uint8Array[] {
  const inside = (s: { start: number; end: number }, c: Span) =>
    s.start >= c.payload && s.end <= c.end && s !== c;
  const top = containers.filter((c) => !containers.some((o) => o !== c && inside(c, o)));
  const topEdits = edits.filter((e) => !containers.some((c) => inside(e, c)));
  const items = [
    ...top.map((c) => ({ start: c.start, c })),
    ...topEdits.map((e) => ({ start: e.start, e })),
  ].sort((a, b) => a.start - b.start || ('e' in a ? -1 : 0) - ('e' in b ? -1 : 0));
  const pieces: Uint8Array[] = [];
  let at = from;
  for (const item of items) {
    pieces.push(bytes.subarray(at, item.start));
    if ('c' in item) {
      const c = item.c;
      const inner = rebuild(
        bytes,
        c.payload,
        c.end,
        containers.filter((o) => inside(o, c)),
        edits.filter((e) => inside(e, c)),
      );
      const length = inner.reduce((n, p) => n + p.length, 0);
      pieces.push(fieldHeader(fieldNumber(bytes, c), length), ...inner);
      at = c.end;
    } else {
      pieces.push(...item.e.with);
      at = item.e.end;
    }
  }
  pieces.push(bytes.subarray(at, to));
  return pieces;
}

/** The Slice to the last position along axis 1, and its constants, under `prefix`. */
function lastPositionSlice(x: string, prefix: string): { out: string; nodes: NewNode[]; inits: NewTensor[] } {
  const i64 = (name: string, v: bigint): NewTensor => ({
    name: `${prefix}${name}`,
    dataType: DataType.INT64,
    dims: [1],
    raw: new Uint8Array(BigInt64Array.of(v).buffer),
  });
  const inits = [i64('starts', -1n), i64('ends', INT64_MAX), i64('axes', 1n)];
  const out = `${prefix}last_position`;
  return {
    out,
    inits,
    nodes: [{ op: 'Slice', name: out, inputs: [x, ...inits.map((t) => t.name)], outputs: [out] }],
  };
}

/** The graphs that compute `logits`: the main graph, or both branches of the If that outputs it. */
function logitsScopes(
  g: GraphInfo,
): { scope: Scope; output: string; attr?: Span; node?: NodeInfo }[] | string {
  if (!g.outputs.some((o) => o.name === 'logits')) return 'the graph has no logits output';
  const top: Scope = { body: g, outer: null };
  const producer = g.nodes.find((n) => n.outputs.includes('logits'));
  if (!producer) return 'logits is not computed in the graph';
  if (producer.op !== 'If') return [{ scope: top, output: 'logits' }];
  const k = producer.outputs.indexOf('logits');
  const out: { scope: Scope; output: string; attr?: Span; node?: NodeInfo }[] = [];
  for (const name of ['then_branch', 'else_branch']) {
    const a = producer.attributes.find((x) => x.name === name);
    if (!a?.g || !a.g.outputs[k]) return `the If ${producer.name} has no ${name} output for logits`;
    out.push({ scope: { body: a.g, outer: top }, output: a.g.outputs[k].name, attr: a.span, node: producer });
  }
  return out;
}

interface HeadSite {
  head: NodeInfo;
  scope: Scope;
  attr?: Span;
  node?: NodeInfo;
}

/** Where the LM head(s) are, or why the logits cannot be sliced. */
function planSlice(g: GraphInfo): HeadSite[] | string {
  const logits = g.outputs.find((o) => o.name === 'logits');
  if (logits?.dims && logits.dims.length !== 3)
    return `logits has ${logits.dims.length} dims, not [batch, sequence, vocabulary]`;
  const scopes = logitsScopes(g);
  if (typeof scopes === 'string') return scopes;
  const sites: HeadSite[] = [];
  for (const s of scopes) {
    const head = findHead(s.scope, s.output);
    if (typeof head === 'string') return head;
    sites.push({ head, scope: s.scope, attr: s.attr, node: s.node });
  }
  return sites;
}

/**
 * Whether a run of this decoder makes logits of the last position only:
 * through `num_logits_to_keep`, or once lastPositionLogits has sliced its LM
 * head (what the memory plan counts).
 */
export function givesLastLogitsOnly(g: GraphInfo): boolean {
  if (g.inputs.some((i) => i.name === 'num_logits_to_keep')) return true;
  if (g.nodes.some((n) => n.name.startsWith(PREFIX))) return true;
  return typeof planSlice(g) !== 'string';
}

export function lastPositionLogits(bytes: Uint8Array): LastLogitsResult {
  const g = readGraph(bytes);
  if (g.inputs.some((i) => i.name === 'num_logits_to_keep'))
    return { bytes, applied: false, why: 'the graph has num_logits_to_keep (fed 1)' };
  if (g.nodes.some((n) => n.name.startsWith(PREFIX)))
    return { bytes, applied: false, why: 'the logits are already of the last position' };
  const sites = planSlice(g);
  if (typeof sites === 'string') return { bytes, applied: false, why: sites };
  const containers: Span[] = [g.span];
  const edits: Edit[] = [];
  for (const [i, { head, scope, attr, node }] of sites.entries()) {
    const prefix = `${PREFIX}${sites.length > 1 ? `${i === 0 ? 'then' : 'else'}/` : ''}`;
    const slice = lastPositionSlice(head.inputs[0], prefix);
    const field = firstInputField(bytes, head);
    edits.push({
      start: field.start,
      end: field.end,
      with: [Writer.create().uint32(10).string(slice.out).finish()],
    });
    // The Slice and its constants go just before the head (a branch's nodes must stay in order).
    edits.push({
      start: head.span.start,
      end: head.span.start,
      with: [graphFragment(slice.nodes, slice.inits, [])],
    });
    containers.push(head.span, scope.body.span);
    if (attr && node) containers.push(attr, node.span);
  }
  const out = concatBytes(rebuild(bytes, 0, bytes.length, [...new Set(containers)], edits));
  return { bytes: out, applied: true, heads: sites.map((s) => s.head.name) };
}
