/**
 * The memory plan (issue 18): before anything big is downloaded, what a run
 * of the repo needs on this device, from the graphs alone: every
 * component's bytes at each dtype the repo has, its largest tensor, the KV
 * cache and recurrent state for the prompt plus the token budget, and the
 * prefill's peak; held against the device's limits. It picks a dtype per
 * component that fits, moving each as few steps down its list of
 * preference (the user's or config.json's dtype, else transformers.js's
 * default, then least lossy first) as it can.
 *
 * What is counted (an estimate of what onnxruntime allocates, not a
 * measurement):
 * - a component: its graph file plus the external data its tensors read
 *   (onnxruntime is given both; on WebGPU each weight becomes one GPU
 *   buffer, so the largest must fit `maxStorageBufferBindingSize`);
 * - the KV cache: every `past_*` input at the run's length, counted twice
 *   in the total (the past fed in and the present coming out of the last
 *   step exist together); fixed-size states (Qwen3.5's conv/recurrent) once
 *   per copy as well;
 * - the prefill: the larger of the vision encoder's and the decoder's peak
 *   (one layer's attention probabilities, heads × S × S; the MLP's three
 *   intermediate tensors; six hidden-size tensors; the logits, of the last
 *   position only when the graph has `num_logits_to_keep` or an LM head the
 *   loader slices to it, onnx/last-logits.ts), plus the image
 *   features and the embeddings held meanwhile. Its largest single buffer
 *   must fit `maxBufferSize` on WebGPU.
 * Pure: no I/O; planRepo (plan.ts) gathers the facts.
 */
import { formatBytes, formatLimit } from './bytes-text';
import { COMPONENTS, NEEDS_SHADER_F16, type Component, type Device, type Dtype } from './dtypes';
import type { GraphFacts } from './graph-facts';
import type { VisionGeometry } from './model-shape';
import { MAX_FILE_BYTES } from './source';

/** onnxruntime-web's wasm is a 32-bit build: one heap of at most 4 GiB for every session. */
export const WASM_HEAP_BYTES = 2 ** 32;
/** Text tokens a prompt is planned for (the system prompt, the chat template's tokens, the question). */
export const PLAN_TEXT_TOKENS = 256;
/** The token budget a run is planned for: the engine's default (DEFAULT_MAX_NEW_TOKENS). */
export const PLAN_NEW_TOKENS = 600;
/** maxImageTokens's answer where nothing bounds the image (no memory or buffer limit is known). */
export const MAX_PLANNED_IMAGE_TOKENS = 1_000_000;
/** The CLI's WebGPU buffer limit when `--max-buffer` is not given: what most desktop adapters allow. */
export const TYPICAL_WEBGPU_BUFFER = 2 ** 31;

/** One dtype of a component the repo has, with what its graph says. */
export interface PlanOption {
  dtype: Dtype;
  /** The graph's repo path. */
  path: string;
  facts: GraphFacts;
}

export interface MemoryPlanInput {
  device: Device;
  geometry: VisionGeometry;
  /** The decoder's heads from config.json, where its graph has no attention node that says. */
  configHeads: number | null;
  /** Every dtype of each component the repo has and the device can run, in order of preference. */
  options: Record<Component, PlanOption[]>;
  /** Dtypes the user asked for: these are kept, or the plan is refused naming them. */
  forced?: Partial<Record<Component, Dtype>>;
  textTokens?: number;
  maxNewTokens?: number;
  /** Image tokens the run is planned for (default: the paper's 420 × 420 sizing). */
  imageTokens?: number;
}

export interface PlanLimits {
  /** The largest buffer (WebGPU: the smaller of maxBufferSize and maxStorageBufferBindingSize); null: no such bound. */
  maxBuffer: number | null;
  bufferFrom: string | null;
  /** Memory for the whole run; null: unknown (WebGPU without navigator.deviceMemory or --memory). */
  memory: number | null;
  memoryFrom: string | null;
  /** The largest file one buffer holds (an external data file is one Uint8Array). */
  maxFile: number;
}

/** What a run costs as a function of its image tokens (the chosen dtypes' facts). */
export interface CostModel {
  weights: number;
  statePerPosition: number;
  stateFixed: number;
  decoder: {
    hidden: number;
    vocab: number;
    logitBytes: number;
    lastLogitsOnly: boolean;
    heads: number;
    widest: number;
    act: number;
  };
  encoder: { heads: number; hidden: number; widest: number; act: number };
  geometry: { tokensPerFrame: number | null; patchesPerToken: number };
  textTokens: number;
  maxNewTokens: number;
  limits: PlanLimits;
}

export interface OptionSummary {
  dtype: Dtype;
  bytes: number;
  largestTensor: { name: string; bytes: number } | null;
  /** The graph was not read (too big): bytes and the largest tensor are upper bounds from the file sizes. */
  estimated: boolean;
  /** Whether this dtype alone fits the device (its largest tensor, its files, its bytes). */
  fits: boolean;
  why?: string;
}

export interface MemoryPlan {
  backend: Device['backend'];
  limits: PlanLimits;
  dtypes: Record<Component, Dtype>;
  /** Why a component is not at its first choice (it did not fit). */
  moved: Partial<Record<Component, string>>;
  bytes: { vision: number; embed: number; decoder: number; kvCache: number; prefill: number; total: number };
  largestTensor: { component: Component; name: string; bytes: number } | null;
  /** The prefill's largest single buffer. */
  largestBuffer: { what: string; bytes: number };
  imageTokens: number;
  textTokens: number;
  maxNewTokens: number;
  /** Sequence positions the KV cache is planned for: prompt, budget and the extra step. */
  positions: number;
  fits: boolean;
  /** One line, when it does not fit. */
  why?: string;
  /** The component `why` names. */
  whyComponent?: Component;
  /** Some graph was too big to read while planning (its numbers are upper bounds). */
  estimated: boolean;
  options: Record<Component, OptionSummary[]>;
  model: CostModel;
}

export function planLimits(device: Device): PlanLimits {
  const l = device.limits ?? {};
  const given = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
  const memory = given(l.memory);
  if (device.backend === 'wasm') {
    const useHeap = memory === null || memory >= WASM_HEAP_BYTES;
    return {
      maxBuffer: null,
      bufferFrom: null,
      memory: useHeap ? WASM_HEAP_BYTES : memory,
      memoryFrom: useHeap ? "wasm's 32-bit heap" : (l.memoryFrom ?? 'the memory given'),
      maxFile: MAX_FILE_BYTES,
    };
  }
  const buf = given(l.maxBufferSize);
  const bind = given(l.maxStorageBufferBindingSize);
  const maxBuffer = buf === null ? bind : bind === null ? buf : Math.min(buf, bind);
  return {
    maxBuffer,
    bufferFrom:
      maxBuffer === null
        ? null
        : (l.bufferFrom ?? (maxBuffer === bind ? 'maxStorageBufferBindingSize' : 'maxBufferSize')),
    memory,
    memoryFrom: memory === null ? null : (l.memoryFrom ?? 'the memory given'),
    maxFile: MAX_FILE_BYTES,
  };
}

const activationBytes = (d: Dtype) => (NEEDS_SHADER_F16.has(d) ? 2 : 4);

function costModel(
  input: MemoryPlanInput,
  chosen: Record<Component, PlanOption>,
  limits: PlanLimits,
): CostModel {
  const dec = chosen.decoder.facts.decoder;
  const enc = chosen.vision.facts.encoder;
  const g = input.geometry;
  const hidden = dec?.hidden ?? g.hidden ?? 2048;
  const heads = dec?.heads ?? input.configHeads ?? Math.max(1, Math.round(hidden / 64));
  const encHidden = enc?.hidden ?? g.hidden ?? 1024;
  return {
    weights: COMPONENTS.reduce((a, c) => a + chosen[c].facts.bytes, 0),
    statePerPosition: dec?.state.bytesPerPosition ?? 0,
    stateFixed: dec?.state.fixedBytes ?? 0,
    decoder: {
      hidden,
      vocab: dec?.vocab ?? 0,
      logitBytes: dec?.logitBytes ?? 4,
      lastLogitsOnly: dec?.lastLogitsOnly ?? false,
      heads,
      widest: dec?.widest ?? 4 * hidden,
      act: activationBytes(chosen.decoder.dtype),
    },
    encoder: {
      heads: enc?.heads ?? g.heads ?? Math.max(1, Math.round(encHidden / 64)),
      hidden: encHidden,
      widest: enc?.widest ?? 4 * encHidden,
      act: activationBytes(chosen.vision.dtype),
    },
    geometry: { tokensPerFrame: g.tokensPerFrame, patchesPerToken: g.patchesPerToken },
    textTokens: input.textTokens ?? PLAN_TEXT_TOKENS,
    maxNewTokens: input.maxNewTokens ?? PLAN_NEW_TOKENS,
    limits,
  };
}

export interface RunCost {
  positions: number;
  kvCache: number;
  prefill: number;
  total: number;
  largestBuffer: { what: string; bytes: number };
}

/** What a run with this many image tokens needs. */
export function runCost(m: CostModel, imageTokens: number): RunCost {
  const t = Math.max(0, Math.floor(imageTokens));
  const s = m.textTokens + t;
  const positions = s + m.maxNewTokens + 1;
  const kvCache = m.stateFixed + m.statePerPosition * positions;
  const d = m.decoder;
  const buffers: { what: string; bytes: number }[] = [];
  const decProbs = d.heads * s * s * d.act;
  const decMlp = s * d.widest * d.act;
  const logitRows = d.lastLogitsOnly ? 1 : s;
  const logits = logitRows * d.vocab * d.logitBytes;
  buffers.push(
    { what: `the decoder's attention over ${s} positions (${d.heads} heads)`, bytes: decProbs },
    { what: `the decoder's MLP over ${s} positions`, bytes: decMlp },
    { what: `the logits of ${logitRows} position${logitRows === 1 ? '' : 's'} × ${d.vocab}`, bytes: logits },
  );
  const decoderPeak = decProbs + 3 * decMlp + 6 * s * d.hidden * d.act + logits;
  let visionPeak = 0;
  if (t > 0) {
    const g = m.geometry;
    const e = m.encoder;
    const frames = g.tokensPerFrame ? Math.ceil(t / g.tokensPerFrame) : 1;
    const perFrame = (g.tokensPerFrame ?? t) * g.patchesPerToken;
    const patches = frames * perFrame;
    const probs = frames * e.heads * perFrame * perFrame * e.act;
    const mlp = patches * e.widest * e.act;
    buffers.push(
      {
        what: `the vision encoder's attention over ${frames > 1 ? `${frames} frames of ` : ''}${perFrame} patches (${e.heads} heads)`,
        bytes: probs,
      },
      { what: `the vision encoder's MLP over ${patches} patches`, bytes: mlp },
    );
    visionPeak = probs + 3 * mlp + 6 * patches * e.hidden * e.act;
  }
  const held = 2 * s * d.hidden * 4;
  const prefill = Math.max(decoderPeak, visionPeak) + held;
  const largestBuffer = buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return { positions, kvCache, prefill, total: m.weights + 2 * kvCache + prefill, largestBuffer };
}

/** Why a run of this cost does not fit, or null. */
function runWhy(cost: RunCost, l: PlanLimits, imageTokens: number): string | null {
  if (l.maxBuffer !== null && cost.largestBuffer.bytes > l.maxBuffer)
    return `the prefill's largest buffer, ${cost.largestBuffer.what}, needs ${formatBytes(cost.largestBuffer.bytes)}; the device allows ${formatLimit(l.maxBuffer)} per buffer (${l.bufferFrom})`;
  if (l.memory !== null && cost.total > l.memory)
    return `a run with ${imageTokens} image tokens needs about ${formatBytes(cost.total)} (KV cache ${formatBytes(2 * cost.kvCache)} for ${cost.positions} positions, prefill ${formatBytes(cost.prefill)}); ${l.memoryFrom} allows ${formatLimit(l.memory)}`;
  return null;
}

/** Why one dtype of a component cannot run on this device whatever the others are, or null. */
function optionWhy(o: PlanOption, l: PlanLimits): string | null {
  const f = o.facts;
  const big = f.external.find((e) => e.bytes > l.maxFile);
  if (big)
    return `its data file ${big.location} holds ${formatBytes(big.bytes)}; one buffer holds at most ${formatLimit(l.maxFile)}`;
  if (l.maxBuffer !== null && f.largest && f.largest.bytes > l.maxBuffer)
    return `its largest tensor, ${f.largest.name}, has ${formatBytes(f.largest.bytes)}; the device allows ${formatLimit(l.maxBuffer)} per buffer (${l.bufferFrom})`;
  if (l.memory !== null && f.bytes > l.memory)
    return `its weights alone are ${formatBytes(f.bytes)}; ${l.memoryFrom} allows ${formatLimit(l.memory)}`;
  return null;
}

const NAMES: Record<Component, string> = {
  decoder: 'decoder',
  vision: 'vision encoder',
  embed: 'embeddings',
};

function summarise(o: PlanOption, l: PlanLimits): OptionSummary {
  const why = optionWhy(o, l);
  return {
    dtype: o.dtype,
    bytes: o.facts.bytes,
    largestTensor: o.facts.largest,
    estimated: o.facts.estimated,
    fits: why === null,
    ...(why !== null && { why }),
  };
}

/** Every combination of one option per component, cheapest first by Σ steps down each list, then bytes. */
function* combinations(lists: Record<Component, PlanOption[]>): Generator<Record<Component, PlanOption>> {
  for (const v of lists.vision)
    for (const e of lists.embed) for (const d of lists.decoder) yield { vision: v, embed: e, decoder: d };
}

export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const limits = planLimits(input.device);
  const forced = input.forced ?? {};
  const candidates = {} as Record<Component, PlanOption[]>;
  for (const c of COMPONENTS) {
    const all = input.options[c];
    if (all.length === 0) throw new Error(`planMemory: no ${c} option`);
    const f = forced[c];
    candidates[c] = f ? all.filter((o) => o.dtype === f) : all;
    if (candidates[c].length === 0) throw new Error(`planMemory: forced ${c} dtype ${f} is not an option`);
  }
  const usable = {} as Record<Component, PlanOption[]>;
  for (const c of COMPONENTS) usable[c] = candidates[c].filter((o) => optionWhy(o, limits) === null);
  const rank = (c: Component, o: PlanOption) => input.options[c].indexOf(o);
  const planned = (chosen: Record<Component, PlanOption>) => {
    const model = costModel(input, chosen, limits);
    const tokens = input.imageTokens ?? input.geometry.paperTokens;
    return { model, tokens, cost: runCost(model, tokens) };
  };

  /** The cheapest combination that fits: fewest steps down each list in all, then fewest bytes. */
  const bestOf = (lists: Record<Component, PlanOption[]>) => {
    let best: { chosen: Record<Component, PlanOption>; score: number; total: number } | null = null;
    if (COMPONENTS.some((c) => lists[c].length === 0)) return null;
    for (const chosen of combinations(lists)) {
      const { cost, tokens } = planned(chosen);
      if (runWhy(cost, limits, tokens) !== null) continue;
      const score = COMPONENTS.reduce((a, c) => a + rank(c, chosen[c]), 0);
      if (!best || score < best.score || (score === best.score && cost.total < best.total))
        best = { chosen, score, total: cost.total };
    }
    return best?.chosen ?? null;
  };
  /** The dtypes of c with which some run fits (the other components as asked, or free). */
  const wouldFit = (c: Component) =>
    input.options[c]
      .filter((o) => optionWhy(o, limits) === null && bestOf({ ...usable, [c]: [o] }) !== null)
      .map((o) => o.dtype);
  const fitList = (c: Component) => {
    const w = wouldFit(c);
    return w.length
      ? `${NAMES[c]} dtypes that would fit: ${w.join(', ')}`
      : `no ${NAMES[c]} dtype in this repo fits${COMPONENTS.some((o) => o !== c && forced[o]) ? ' with the rest as asked' : ''}`;
  };

  const best = bestOf(usable);
  let chosen: Record<Component, PlanOption>;
  let why: string | undefined;
  let whyComponent: Component | undefined;
  if (best) chosen = best;
  else {
    // Nothing fits: report the smallest plan, and say why by the first thing that stops it.
    const smallest = (list: PlanOption[]) => list.reduce((a, o) => (o.facts.bytes < a.facts.bytes ? o : a));
    chosen = {} as Record<Component, PlanOption>;
    for (const c of COMPONENTS) chosen[c] = smallest(usable[c].length ? usable[c] : candidates[c]);
    const stuck = COMPONENTS.find((c) => usable[c].length === 0);
    if (stuck) {
      const o = chosen[stuck];
      whyComponent = stuck;
      why = `${NAMES[stuck]} ${o.dtype}${forced[stuck] ? ' (the dtype asked for)' : ''} cannot run here: ${optionWhy(o, limits)}; ${fitList(stuck)}`;
    } else {
      const { cost, tokens } = planned(chosen);
      const reason = runWhy(cost, limits, tokens)!;
      const bySize = [...COMPONENTS].sort((a, b) => chosen[b].facts.bytes - chosen[a].facts.bytes);
      const forcedOnes = bySize.filter((c) => forced[c]);
      const freed = forcedOnes.find((c) => wouldFit(c).length > 0);
      whyComponent =
        freed ??
        forcedOnes[0] ??
        (reason.startsWith("the prefill's") && /vision encoder/.test(cost.largestBuffer.what)
          ? 'vision'
          : bySize[0]);
      const dtypes = COMPONENTS.map(
        (c) => `${NAMES[c]} ${chosen[c].dtype}${forced[c] ? ' (asked for)' : ''}`,
      ).join(', ');
      why = `even with ${dtypes}: ${reason}`;
      if (forced[whyComponent]) why += `; ${fitList(whyComponent)}`;
    }
  }

  const { model, tokens, cost } = planned(chosen);
  const moved: MemoryPlan['moved'] = {};
  for (const c of COMPONENTS) {
    const first = candidates[c][0];
    if (chosen[c] !== first) {
      const w = optionWhy(first, limits);
      moved[c] = w
        ? `${first.dtype} does not fit: ${w}`
        : `${first.dtype} does not fit with the rest of the run`;
    }
  }
  let largestTensor: MemoryPlan['largestTensor'] = null;
  for (const c of COMPONENTS) {
    const l = chosen[c].facts.largest;
    if (l && (!largestTensor || l.bytes > largestTensor.bytes)) largestTensor = { component: c, ...l };
  }
  const options = {} as MemoryPlan['options'];
  for (const c of COMPONENTS) options[c] = input.options[c].map((o) => summarise(o, limits));
  return {
    backend: input.device.backend,
    limits,
    dtypes: { vision: chosen.vision.dtype, embed: chosen.embed.dtype, decoder: chosen.decoder.dtype },
    moved,
    bytes: {
      vision: chosen.vision.facts.bytes,
      embed: chosen.embed.facts.bytes,
      decoder: chosen.decoder.facts.bytes,
      kvCache: cost.kvCache,
      prefill: cost.prefill,
      total: cost.total,
    },
    largestTensor,
    largestBuffer: cost.largestBuffer,
    imageTokens: tokens,
    textTokens: model.textTokens,
    maxNewTokens: model.maxNewTokens,
    positions: cost.positions,
    fits: why === undefined,
    ...(why !== undefined && { why, whyComponent }),
    estimated: COMPONENTS.some((c) => chosen[c].facts.estimated),
    options,
    model,
  };
}

/** Whether a run with this many image tokens fits the plan's device. */
export function imageTokensFit(plan: MemoryPlan, imageTokens: number): boolean {
  return runWhy(runCost(plan.model, imageTokens), plan.model.limits, imageTokens) === null;
}

/**
 * The largest number of image tokens a run of this plan can take on its
 * device: the KV cache and the prefill grow with them (the vision
 * encoder's attention with their square). 0 when not even a text-only run
 * fits; MAX_PLANNED_IMAGE_TOKENS when nothing bounds them. Native image
 * sizing caps the image with this (issue 19, item 1), so the bound on the
 * resized image is the one the plan uses.
 */
export function maxImageTokens(plan: MemoryPlan): number {
  if (!imageTokensFit(plan, 0)) return 0;
  if (imageTokensFit(plan, MAX_PLANNED_IMAGE_TOKENS)) return MAX_PLANNED_IMAGE_TOKENS;
  let lo = 0;
  let hi = MAX_PLANNED_IMAGE_TOKENS;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (imageTokensFit(plan, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The plan's one-line account for the model panel: "needs about 3.1 GB; this browser allows 2 GiB per buffer". */
export function planText(plan: MemoryPlan): string {
  const l = plan.limits;
  const parts = [`needs about ${formatBytes(plan.bytes.total)}`];
  if (l.maxBuffer !== null) parts.push(`this browser allows ${formatLimit(l.maxBuffer)} per buffer`);
  if (l.memory !== null) parts.push(`${l.memoryFrom} allows ${formatLimit(l.memory)} in all`);
  return parts.join('; ');
}
