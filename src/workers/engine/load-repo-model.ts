import type { Tokenizer } from '@huggingface/tokenizers';
import { DEFAULT_QUESTION } from '../../real/prompting';
import { familyRepoFrom, hfAdapter } from '../adapters/hf-families';
import type { FamilyLayout, HfAdapter } from '../adapters/hf-adapter';
import {
  loadRepo,
  maxImageTokens,
  planRepo,
  type DeviceLimits,
  type DtypeRequest,
  type HubProgress,
  type LoadedRepo,
  type RepoPlan,
  type RepoSource,
} from '../hub';
import { decoderLayerCount } from '../hub/graph-facts';
import { MAX_PLANNED_IMAGE_TOKENS } from '../hub/memory-plan';
import { buildTokenizer } from '../hub/tokenizer-file';
import { lastPositionLogits, patchDecoder, readGraph } from '../onnx';
import type { LoadProgress } from '../package/load';
import type { Backend, OrtSource } from '../runtime/ort-types';
import { createSessions, releaseSessions, type ModelGraphs } from '../runtime/sessions';
import { checkEmbedGraph, decoderIoFromGraph, DecoderIoError, type DecoderIo } from './decoder-io';
import { GenerationEngine } from './generate';
import { yesNoIds, type LoadedModel } from './load-model';
import { HfTokenText } from './hf-token-text';
import { samplingFromConfig } from './sampling';

/**
 * A Hugging Face ONNX repo (issue 10): plan (configs, dtypes, sizes) →
 * download or read every file once → patch the decoder so each attention
 * layer gives its last query row → sessions → an engine with the family's
 * adapter. The patch happens here, before the session exists, in the
 * browser worker and in the CLI alike.
 */

/** The paper's runs allow long reasoning; the app's views are built for 600+ tokens. */
export const DEFAULT_MAX_NEW_TOKENS = 600;

export interface RepoLoadOptions {
  prefer: Backend;
  /** null when WebGPU can be used, else why not. */
  webgpuAvailable: () => Promise<string | null>;
  /** Whether the WebGPU adapter has shader-f16 (decides the default dtype). */
  shaderF16?: boolean;
  dtype?: DtypeRequest;
  /** What the device allows (the memory plan holds the run against it). */
  limits?: DeviceLimits;
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** A plan made earlier (the size shown before the download); reusing it resumes an interrupted load. */
  plan?: RepoPlan;
  /** With a plan: why its device is wasm when WebGPU was preferred (the plan already chose the backend). */
  fallbackReason?: string;
}

/** Which backend the repo will run on: WebGPU when preferred and usable, else wasm with the reason. */
export async function chooseBackend(
  prefer: Backend,
  webgpuAvailable: () => Promise<string | null>,
): Promise<{ backend: Backend; fallbackReason?: string }> {
  if (prefer !== 'webgpu') return { backend: 'wasm' };
  const why = await webgpuAvailable();
  return why === null ? { backend: 'webgpu' } : { backend: 'wasm', fallbackReason: why };
}

export async function planForDevice(
  source: RepoSource,
  backend: Backend,
  options: Pick<RepoLoadOptions, 'shaderF16' | 'dtype' | 'signal' | 'limits'>,
): Promise<RepoPlan> {
  return planRepo(source, {
    device: { backend, shaderF16: options.shaderF16, ...(options.limits && { limits: options.limits }) },
    dtype: options.dtype,
    signal: options.signal,
  });
}

function progressOf(p: HubProgress): LoadProgress | null {
  if (p.status === 'download') return { status: 'download', file: p.file, loaded: p.loaded, total: p.total };
  if (p.status === 'done') return { status: 'done', file: p.file, fromCache: p.fromCache };
  return null;
}

/** Everything a repo model needs before its sessions: the plan, the files, the patched decoder, the adapter. */
export interface PreparedRepoModel {
  plan: RepoPlan;
  repo: LoadedRepo;
  backend: Backend;
  fallbackReason?: string;
  graphs: ModelGraphs;
  io: DecoderIo;
  tokenizer: Tokenizer;
  adapter: HfAdapter<FamilyLayout>;
}

/**
 * Plan, read and patch a repo and build its adapter, without onnxruntime:
 * every check of the repo's files happens here (the fuzz tests of repo
 * folders drive exactly this), so a broken repo is refused before a session
 * is made.
 */
export async function prepareRepoModel(
  source: RepoSource,
  options: RepoLoadOptions,
): Promise<PreparedRepoModel> {
  // A plan was made for one device: run on its backend rather than asking for the adapter again.
  const { backend, fallbackReason } = options.plan
    ? { backend: options.plan.device.backend, fallbackReason: options.fallbackReason }
    : await chooseBackend(options.prefer, options.webgpuAvailable);
  const plan = options.plan ?? (await planForDevice(source, backend, options));
  const repo = await loadRepo(
    plan,
    (p) => {
      const lp = progressOf(p);
      if (lp) options.onProgress?.(lp);
    },
    { signal: options.signal },
  );
  const decoderFile = repo.graphs.decoder.path;
  options.onProgress?.({ status: 'patch', file: decoderFile });
  const patched = patchDecoder(repo.graphs.decoder.bytes);
  // No logits for every prompt position: the LM head sliced to the last one where the graph has no num_logits_to_keep.
  const decoderBytes = lastPositionLogits(patched.bytes).bytes;
  const graph = readGraph(decoderBytes);
  // The graph's layer count, never config.json's claim (num_hidden_layers can say anything).
  const numLayers = decoderLayerCount(graph, patched.layers) ?? patched.layers.length;
  const io = decoderIoFromGraph(graph, patched.layers, numLayers, decoderFile);
  const tokenizer = buildTokenizer(repo.tokenizerJson, repo.tokenizerConfig);
  // float32 or float16 embeddings at either end (converted as they pass); anything else is refused now,
  // and so is float16 on a WebGPU without shader-f16 (its kernels would fail on the first run).
  const embedType = checkEmbedGraph(readGraph(repo.graphs.embed.bytes), repo.graphs.embed.path);
  const halfAt =
    embedType === 'float16' ? repo.graphs.embed.path : io.embedsType === 'float16' ? decoderFile : null;
  if (halfAt && backend === 'webgpu' && plan.device.shaderF16 !== true)
    throw new DecoderIoError(
      `${halfAt}: its embeddings are float16, which WebGPU runs only with shader-f16, and this browser's GPU lacks it; use the WebAssembly backend`,
    );
  const vision = readGraph(repo.graphs.vision.bytes);
  const adapter = hfAdapter(
    familyRepoFrom(
      {
        config: repo.config.config,
        preprocessor: repo.config.preprocessor,
        processor: repo.config.processor,
        tokenizerConfig: repo.tokenizerConfig,
        chatTemplate: repo.chatTemplate,
        generation: { eosTokenIds: repo.config.generation.eosTokenIds },
      },
      tokenizer,
      {
        decoderPositionIds: io.positionIds ? { rank: io.positionIds.rank } : null,
        visionInputNames: vision.inputs.map((v) => v.name),
        planImageTokens: planImageTokenCap(plan),
      },
    ),
  );
  const graphs: ModelGraphs = {
    vision: {
      name: repo.graphs.vision.path,
      bytes: repo.graphs.vision.bytes,
      externalData: repo.graphs.vision.externalData,
    },
    embed: {
      name: repo.graphs.embed.path,
      bytes: repo.graphs.embed.bytes,
      externalData: repo.graphs.embed.externalData,
    },
    decoder: { name: decoderFile, bytes: decoderBytes, externalData: repo.graphs.decoder.externalData },
  };
  return { plan, repo, backend, fallbackReason, graphs, io, tokenizer, adapter };
}

export async function loadRepoModel(
  ort: OrtSource,
  source: RepoSource,
  options: RepoLoadOptions,
): Promise<LoadedModel> {
  const { repo, backend, fallbackReason, graphs, io, tokenizer, adapter } = await prepareRepoModel(
    source,
    options,
  );
  options.onProgress?.({ status: 'ready', name: source.where });
  const sessions = await createSessions(ort, graphs, io, backend, async () => null);
  const text = new HfTokenText(tokenizer);
  const { yes, no } = yesNoIds(tokenizer.get_vocab(true));
  const name = repoName(source.where);
  // Decoded as transformers would with the repo's generation_config.json (its defaults where a field is unset).
  const sampling = samplingFromConfig(repo.config.generation);
  const engine = new GenerationEngine(
    sessions.ort,
    sessions,
    {
      name,
      io,
      stopIds: new Set(adapter.stopIds),
      yesIds: yes,
      noIds: no,
      maxNewTokens: DEFAULT_MAX_NEW_TOKENS,
      sampling,
      question: DEFAULT_QUESTION,
      maxPositions: adapter.maxPositions,
    },
    text,
    adapter,
  );
  return {
    info: {
      name,
      family: repo.family,
      source: source.where,
      dtype: { ...repo.dtypes },
      attentionLayers: io.attentionLayers,
      numDecoderLayers: io.numDecoderLayers,
      grid: null,
      question: DEFAULT_QUESTION,
      imageSize: null,
      maxNewTokens: DEFAULT_MAX_NEW_TOKENS,
      sampling: { ...sampling },
      samplingFrom: repo.config.generation.samplingFrom,
      imageTokenCap: adapter.defaultMaxImageTokens,
    },
    engine,
    backend: sessions.backend,
    // A WebGPU session that failed and fell back says so; else why WebGPU was not tried.
    fallbackReason: sessions.fallbackReason ?? fallbackReason,
    release: () => releaseSessions(sessions),
  };
}

/**
 * The image-token cap native sizing reduces to: the memory plan's largest
 * count that fits the device, or, where the plan knows of no bound (WebGPU
 * without deviceMemory), none here, so the family's conservative default
 * applies (image-sizing.ts).
 */
export function planImageTokenCap(plan: RepoPlan): number | undefined {
  const cap = maxImageTokens(plan.memory);
  return cap >= MAX_PLANNED_IMAGE_TOKENS ? undefined : cap;
}

/** "org/name" from a hub URL or folder path, for the trace's `model`. */
export function repoName(where: string): string {
  const m = /([^/]+\/[^/]+?)\/resolve\/[^/]+\/?$/.exec(where);
  if (m) return m[1];
  const parts = where.replace(/[/\\]+$/, '').split(/[/\\]/);
  return parts.slice(-2).join('/');
}
