import type { ModelManifest } from '../package/manifest';

/**
 * What the generation loop needs to know about a decoder's inputs and
 * outputs, read from the graph (a Hugging Face export) or from the demo
 * package's manifest: which optional inputs exist (position_ids, 2-D or
 * M-RoPE 3-D; num_logits_to_keep), which recurrent state is carried from
 * `present*` outputs to `past*` inputs (KV caches that grow, fixed-size
 * linear-attention states), and where the attention rows come out.
 */

export type StateType = 'float32' | 'float16';

export interface StateSpec {
  input: string;
  output: string;
  type: StateType;
  /** Dims at batch 1; the growing axis (KV caches) is 0 in the empty state. */
  dims: number[];
  /** The axis that grows with the sequence, or null for a fixed-size state. */
  growAxis: number | null;
}

export interface DecoderIo {
  embedsName: string;
  /** inputs_embeds' element type (an fp16 export may take float16 embeddings). */
  embedsType: StateType;
  maskName: string;
  positionIds: null | { name: string; rank: 2 | 3 };
  logitsToKeep: string | null;
  /** Optimum's merged decoders: a bool [1] input, false on the first call (no past yet), true after. */
  useCacheBranch: string | null;
  logitsType: StateType;
  states: StateSpec[];
  /** Decoder layers that give rows, ascending; attentionOutputs[i] is layer attentionLayers[i]'s output. */
  attentionLayers: number[];
  attentionOutputs: string[];
  numDecoderLayers: number;
  hiddenSize: number;
}

/** A graph input or output as the ONNX reader gives it: element type (ONNX enum) and dims. */
export interface GraphValue {
  name: string;
  elemType: number;
  /** null when the graph records no shape. */
  dims: readonly (number | string | null)[] | null;
}

const ONNX_FLOAT = 1;
const ONNX_FLOAT16 = 10;
const ONNX_BOOL = 9;

export class DecoderIoError extends Error {
  override name = 'DecoderIoError';
}

export function attentionOutputName(layer: number): string {
  return `decoder_attentions.${layer}`;
}

/** `past_key_values.3.key` → `present.3.key`; `past_conv.3` → `present_conv.3` (the onnx-community names). */
export function presentNameFor(pastName: string): string {
  if (pastName.startsWith('past_key_values.')) return `present.${pastName.slice('past_key_values.'.length)}`;
  return `present${pastName.slice('past'.length)}`;
}

function stateType(v: GraphValue, file: string): StateType {
  if (v.elemType === ONNX_FLOAT) return 'float32';
  if (v.elemType === ONNX_FLOAT16) return 'float16';
  throw new DecoderIoError(
    `${file}: input ${v.name} has element type ${v.elemType}; only float32 and float16 states are supported`,
  );
}

const TYPE_NAMES: Record<number, string> = {
  2: 'uint8',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  11: 'double',
  16: 'bfloat16',
};

/** Embeddings and image features are float32 or float16; anything else is one line naming the file and value. */
export function elementType(v: GraphValue, file: string, what: 'input' | 'output'): StateType {
  if (v.elemType === ONNX_FLOAT) return 'float32';
  if (v.elemType === ONNX_FLOAT16) return 'float16';
  throw new DecoderIoError(
    `${file}: ${what} ${v.name} is ${TYPE_NAMES[v.elemType] ?? `of element type ${v.elemType}`}; only float32 and float16 embeddings are supported`,
  );
}

/** embed_tokens' output, checked at load: float32 or float16 inputs_embeds. */
export function checkEmbedGraph(graph: { outputs: readonly GraphValue[] }, file: string): StateType {
  const out = graph.outputs.find((v) => v.name === 'inputs_embeds');
  if (!out) throw new DecoderIoError(`${file}: no inputs_embeds output (is this an embed_tokens file?)`);
  return elementType(out, file, 'output');
}

/** The decoder's I/O read from its graph (after patching: the attention outputs must be there). */
export function decoderIoFromGraph(
  graph: { inputs: readonly GraphValue[]; outputs: readonly GraphValue[] },
  attentionLayers: readonly number[],
  numDecoderLayers: number,
  file = 'decoder_model_merged.onnx',
): DecoderIo {
  const input = (n: string) => graph.inputs.find((v) => v.name === n);
  const outputNames = new Set(graph.outputs.map((v) => v.name));
  const embeds = input('inputs_embeds');
  if (!embeds)
    throw new DecoderIoError(`${file}: no inputs_embeds input (is this a decoder_model_merged file?)`);
  const hidden = embeds.dims?.[2];
  if (typeof hidden !== 'number' || hidden < 1)
    throw new DecoderIoError(
      `${file}: inputs_embeds has no fixed hidden size (dims ${embeds.dims?.join('×') ?? 'unknown'})`,
    );
  const embedsType = elementType(embeds, file, 'input');
  if (!input('attention_mask')) throw new DecoderIoError(`${file}: no attention_mask input`);
  const logits = graph.outputs.find((v) => v.name === 'logits');
  if (!logits) throw new DecoderIoError(`${file}: no logits output`);
  const pos = input('position_ids');
  let positionIds: DecoderIo['positionIds'] = null;
  if (pos) {
    const rank = pos.dims?.length;
    if (rank !== 2 && rank !== 3)
      throw new DecoderIoError(
        `${file}: position_ids has ${rank ?? 'unknown'} dims; expected [B,S] or [3,B,S]`,
      );
    positionIds = { name: 'position_ids', rank };
  }
  const branch = input('use_cache_branch');
  if (branch) {
    const one = branch.dims === null || (branch.dims.length <= 1 && (branch.dims[0] ?? 1) === 1);
    if (branch.elemType !== ONNX_BOOL || !one)
      throw new DecoderIoError(
        `${file}: use_cache_branch has element type ${branch.elemType} and dims ${branch.dims?.join('×') ?? 'unknown'}; expected one bool`,
      );
  }
  const states: StateSpec[] = [];
  const known = new Set([
    'inputs_embeds',
    'attention_mask',
    'position_ids',
    'num_logits_to_keep',
    'use_cache_branch',
  ]);
  for (const v of graph.inputs) {
    if (known.has(v.name)) continue;
    if (!v.name.startsWith('past'))
      throw new DecoderIoError(`${file}: input ${v.name} is not one the engine knows how to feed`);
    const output = presentNameFor(v.name);
    if (!outputNames.has(output))
      throw new DecoderIoError(`${file}: input ${v.name} has no matching output ${output}`);
    if (!v.dims) throw new DecoderIoError(`${file}: input ${v.name} has no recorded shape`);
    // Batch is 1; a symbolic axis other than the batch is the one that grows (past_sequence_length).
    let growAxis: number | null = null;
    const dims = v.dims.map((d, axis) => {
      if (typeof d === 'number' && d >= 0) return d;
      if (axis === 0) return 1;
      if (growAxis !== null)
        throw new DecoderIoError(`${file}: input ${v.name} has more than one dynamic axis besides the batch`);
      growAxis = axis;
      return 0;
    });
    states.push({ input: v.name, output, type: stateType(v, file), dims, growAxis });
  }
  const attentionOutputs = attentionLayers.map(attentionOutputName);
  const missing = attentionOutputs.filter((n) => !outputNames.has(n));
  if (missing.length)
    throw new DecoderIoError(`${file}: no attention output ${missing[0]} (the patch did not apply)`);
  return {
    embedsName: 'inputs_embeds',
    embedsType,
    maskName: 'attention_mask',
    positionIds,
    logitsToKeep: input('num_logits_to_keep') ? 'num_logits_to_keep' : null,
    useCacheBranch: branch ? 'use_cache_branch' : null,
    logitsType: stateType(logits, file),
    states,
    attentionLayers: [...attentionLayers],
    attentionOutputs,
    numDecoderLayers,
    hiddenSize: hidden,
  };
}

/** The demo package's decoder, as its manifest describes it (its graph already outputs the rows). */
export function decoderIoFromManifest(m: ModelManifest): DecoderIo {
  const { numLayers, numKeyValueHeads, headDim, hiddenSize } = m.decoder;
  const layers = Array.from({ length: numLayers }, (_, l) => l);
  return {
    embedsName: 'inputs_embeds',
    embedsType: 'float32',
    maskName: 'attention_mask',
    positionIds: { name: 'position_ids', rank: 2 },
    logitsToKeep: null,
    useCacheBranch: null,
    logitsType: 'float32',
    states: layers.flatMap((l) =>
      ['key', 'value'].map((kv) => ({
        input: `past_key_values.${l}.${kv}`,
        output: `present.${l}.${kv}`,
        type: 'float32' as const,
        dims: [1, numKeyValueHeads, 0, headDim],
        growAxis: 2,
      })),
    ),
    attentionLayers: layers,
    attentionOutputs: layers.map((l) => m.decoder.attentionOutput.replace('{layer}', String(l))),
    numDecoderLayers: numLayers,
    hiddenSize,
  };
}
