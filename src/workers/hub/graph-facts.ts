/**
 * What the loader needs from a graph before its weights: which external
 * data files it names and how many bytes it reads from each, and, for the
 * memory plan, its weights' bytes, its largest tensor and the shapes that
 * size a run (the decoder's hidden size, vocabulary, KV cache and recurrent
 * state per position; the encoders' attention heads). All from the graph's
 * metadata (P1's reader: no weight bytes decoded or copied); every number
 * is checked to be a positive whole number where the plan uses it.
 */
import type { ExternalDataFile, GraphBody, GraphInfo, NodeInfo, TensorMeta } from '../onnx';
import { allGraphs, externalDataFiles, givesLastLogitsOnly, readGraph } from '../onnx';
import { ELEM_BYTES } from '../onnx/elem-bytes';
import { HubError, messageOf } from './hub-error';

/** A graph's external data: location exactly as written, and max(offset + length) over its tensors. */
export type ExternalDataReader = (graph: Uint8Array, file: string) => ExternalDataFile[];

export function readGraphChecked(bytes: Uint8Array, file: string): GraphInfo {
  try {
    return readGraph(bytes);
  } catch (e) {
    throw new HubError(file, `is not a readable ONNX graph (${messageOf(e)})`, { cause: e });
  }
}

export const graphExternalData: ExternalDataReader = (bytes, file) =>
  externalDataFiles(readGraphChecked(bytes, file));

/** The KV cache and recurrent state the decoder carries from step to step. */
export interface StateFacts {
  /** Bytes the cache grows by per sequence position (every `past_*` input with a sequence axis). */
  bytesPerPosition: number;
  /** Bytes of state whose size does not grow (Qwen3.5's `past_conv.N`, `past_recurrent.N`). */
  fixedBytes: number;
  /** How many `past_*` inputs there are. */
  inputs: number;
}

export interface DecoderFacts {
  /** `inputs_embeds`' last axis. */
  hidden: number;
  /** `logits`' last axis. */
  vocab: number;
  /** Bytes per logit (2 for float16 logits). */
  logitBytes: number;
  /** Whether a run makes the last position's logits only (`num_logits_to_keep`, or the LM head sliced at load). */
  lastLogitsOnly: boolean;
  /** Query heads, from an attention node's `num_heads`; null when no node says. */
  heads: number | null;
  /** The widest matrix product other than the vocabulary's (the MLP's intermediate size); null when none is read. */
  widest: number | null;
  state: StateFacts;
  /** Decoder layers as the graph numbers its `past_*.N` inputs (max N + 1); null when it has none. */
  layers: number | null;
}

export interface EncoderFacts {
  /** Attention heads, from an attention node's `num_heads`; null when no node says. */
  heads: number | null;
  /** The width of the layer norms (the encoder's hidden size); null when none is read. */
  hidden: number | null;
  widest: number | null;
}

export interface GraphFacts {
  /** The graph file's own bytes. */
  fileBytes: number;
  /** Weights: tensors inside the graph plus the external data its tensors read. */
  weightBytes: number;
  /** Bytes on the device: the graph file plus its external data (what onnxruntime is given). */
  bytes: number;
  largest: { name: string; bytes: number } | null;
  external: ExternalDataFile[];
  /**
   * True when the graph was too big to read while planning: `bytes` is the
   * file (plus data files found beside it) and `largest` an upper bound.
   */
  estimated: boolean;
  decoder: DecoderFacts | null;
  encoder: EncoderFacts | null;
}

function tensorBytes(t: TensorMeta): number {
  return t.external ? t.external.length : t.inlineBytes;
}

function everyTensor(g: GraphBody): TensorMeta[] {
  const out: TensorMeta[] = [];
  for (const sub of allGraphs(g)) {
    out.push(...sub.initializers);
    for (const n of sub.nodes) for (const a of n.attributes) if (a.t) out.push(a.t);
  }
  return out;
}

function everyNode(g: GraphBody): NodeInfo[] {
  return allGraphs(g).flatMap((s) => s.nodes);
}

const ATTENTION_OPS = new Set([
  'GroupQueryAttention',
  'MultiHeadAttention',
  'Attention',
  'PackedMultiHeadAttention',
]);

function heads(nodes: NodeInfo[]): number | null {
  for (const n of nodes) {
    if (!ATTENTION_OPS.has(n.op)) continue;
    const h = n.attributes.find((a) => a.name === 'num_heads')?.i;
    if (h !== undefined && Number.isSafeInteger(h) && h > 0 && h <= 4096) return h;
  }
  return null;
}

/** The output width of each matrix product whose weight the graph holds. */
function productWidths(g: GraphBody, nodes: NodeInfo[]): number[] {
  const dims = new Map<string, number[]>();
  for (const t of everyTensor(g)) dims.set(t.name, t.dims);
  const out: number[] = [];
  for (const n of nodes) {
    let w: number | undefined;
    if (n.op === 'MatMulNBits') w = n.attributes.find((a) => a.name === 'N')?.i;
    else if (n.op === 'MatMul' || n.op === 'MatMulInteger' || n.op === 'DynamicQuantizeMatMul') {
      const d = dims.get(n.inputs[1]);
      if (d?.length === 2) w = d[1];
    } else if (n.op === 'Gemm') {
      const d = dims.get(n.inputs[1]);
      const transB = n.attributes.find((a) => a.name === 'transB')?.i === 1;
      if (d?.length === 2) w = transB ? d[0] : d[1];
    }
    if (w !== undefined && Number.isSafeInteger(w) && w > 0) out.push(w);
  }
  return out;
}

function mostCommon(xs: number[]): number | null {
  const counts = new Map<number, number>();
  let best: number | null = null;
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    if (best === null || c > counts.get(best)!) best = x;
  }
  return best;
}

const NORMS = new Set([
  'LayerNormalization',
  'SimplifiedLayerNormalization',
  'SkipLayerNormalization',
  'SkipSimplifiedLayerNormalization',
]);

function normWidth(g: GraphBody, nodes: NodeInfo[]): number | null {
  const dims = new Map<string, number[]>();
  for (const t of everyTensor(g)) dims.set(t.name, t.dims);
  const widths: number[] = [];
  for (const n of nodes) {
    if (!NORMS.has(n.op)) continue;
    const d = dims.get(n.inputs[n.op.startsWith('Skip') ? 2 : 1]);
    if (d?.length === 1 && Number.isSafeInteger(d[0]) && d[0] > 0) widths.push(d[0]);
  }
  return mostCommon(widths);
}

/** A fixed axis the plan multiplies by: a whole number from 1 to 2^24, or a HubError naming the value. */
function axis(file: string, what: string, d: unknown): number {
  if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1 || d > 2 ** 24)
    throw new HubError(
      file,
      `${what} has ${typeof d === 'number' ? `a size of ${d}` : `no fixed size (${JSON.stringify(d)})`}; expected a whole number from 1 to ${2 ** 24}`,
    );
  return d;
}

function stateFacts(g: GraphInfo, file: string): StateFacts & { layers: number | null } {
  let bytesPerPosition = 0;
  let fixedBytes = 0;
  let layers: number | null = null;
  let inputs = 0;
  for (const v of g.inputs) {
    if (!v.name.startsWith('past')) continue;
    inputs++;
    const layer = /\.(\d+)(?:\.|$)/.exec(v.name);
    if (layer) layers = Math.max(layers ?? 0, Number(layer[1]) + 1);
    const elem = ELEM_BYTES[v.elemType];
    if (!elem || !v.dims) continue;
    // The first axis is the batch (one image); any other named axis is the sequence.
    let fixed = elem;
    let grows = false;
    v.dims.forEach((d, i) => {
      if (i === 0 && typeof d !== 'number') return;
      if (typeof d !== 'number') grows = true;
      else if (i > 0 || d !== 1) fixed *= axis(file, `input ${v.name} axis ${i}`, d);
    });
    if (grows) bytesPerPosition += fixed;
    else fixedBytes += fixed;
  }
  return { bytesPerPosition, fixedBytes, inputs, layers };
}

function decoderFacts(g: GraphInfo, file: string, nodes: NodeInfo[]): DecoderFacts | null {
  const embeds = g.inputs.find((v) => v.name === 'inputs_embeds');
  const logits = g.outputs.find((v) => v.name === 'logits');
  if (!embeds || !logits) return null;
  const hidden = axis(file, 'input inputs_embeds', embeds.dims?.[embeds.dims.length - 1]);
  const vocab = axis(file, 'output logits', logits.dims?.[logits.dims.length - 1]);
  const { layers, ...state } = stateFacts(g, file);
  const widths = productWidths(g, nodes).filter((w) => w !== vocab);
  return {
    hidden,
    vocab,
    logitBytes: ELEM_BYTES[logits.elemType] ?? 4,
    // num_logits_to_keep, or an LM head the loader slices to the last position (onnx/last-logits.ts).
    lastLogitsOnly: givesLastLogitsOnly(g),
    heads: heads(nodes),
    widest: widths.length ? Math.max(...widths) : null,
    state,
    layers,
  };
}

/** A graph's facts from its bytes (read with P1's reader). */
export function graphFacts(bytes: Uint8Array, file: string): GraphFacts {
  const g = readGraphChecked(bytes, file);
  const nodes = everyNode(g);
  let weightBytes = 0;
  let largest: GraphFacts['largest'] = null;
  const seen = new Set<string>();
  for (const t of everyTensor(g)) {
    const n = tensorBytes(t);
    if (t.external) {
      // Two tensors naming one extent share the bytes.
      const key = `${t.external.location}\u0000${t.external.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    weightBytes += n;
    if (!largest || n > largest.bytes) largest = { name: t.name, bytes: n };
  }
  const external = externalDataFiles(g);
  const externalBytes = external.reduce((a, e) => a + e.bytes, 0);
  const widths = productWidths(g, nodes);
  return {
    fileBytes: bytes.length,
    weightBytes,
    bytes: bytes.length + externalBytes,
    largest,
    external,
    estimated: false,
    decoder: decoderFacts(g, file, nodes),
    encoder: {
      heads: heads(nodes),
      hidden: normWidth(g, nodes),
      widest: widths.length ? Math.max(...widths) : null,
    },
  };
}

/** Facts of a graph too big to read while planning: its file (and data files beside it) as an upper bound. */
export function estimatedFacts(
  fileBytes: number,
  dataFiles: { location: string; bytes: number }[],
): GraphFacts {
  const dataBytes = dataFiles.reduce((a, d) => a + d.bytes, 0);
  const biggest = Math.max(fileBytes, ...dataFiles.map((d) => d.bytes));
  return {
    fileBytes,
    weightBytes: fileBytes + dataBytes,
    bytes: fileBytes + dataBytes,
    largest: { name: '(not read: the whole file, as an upper bound)', bytes: biggest },
    external: dataFiles,
    estimated: true,
    decoder: null,
    encoder: null,
  };
}

/**
 * The decoder's layer count as its graph says: one more than the highest N
 * of its `past_*.N` inputs, else of its attention layers; null when neither
 * says. Reported instead of config.json's num_hidden_layers, which a repo
 * can claim anything in.
 */
export function decoderLayerCount(g: GraphInfo, attentionLayers: readonly number[]): number | null {
  const fromState = stateFacts(g, '').layers;
  if (fromState !== null)
    return Math.max(fromState, attentionLayers.length ? Math.max(...attentionLayers) + 1 : 0);
  return attentionLayers.length ? Math.max(...attentionLayers) + 1 : null;
}
