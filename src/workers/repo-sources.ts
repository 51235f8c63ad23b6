import { findAttention, readGraph } from './onnx';
import {
  FileListSource,
  HttpRepoSource,
  hubRepoUrl,
  maxImageTokens,
  planText,
  type DeviceLimits,
  type DtypeRequest,
  type RepoPlan,
  type RepoSource,
} from './hub';
import { chooseBackend, planForDevice } from './engine/load-repo-model';
import { decoderLayerCount } from './hub/graph-facts';
import type { DtypeChoices, ModelSource, RepoSummary } from './inference-api';
import type { Backend } from './runtime/ort-types';

/**
 * The worker's Hugging Face repo sources: a hub id or base URL (Cache
 * Storage, resumable) or the files of a picked folder. A source and its
 * plan are kept between "check size" and "load", and after a stopped
 * download, so loading again resumes where it stopped.
 */

export const REPO_CACHE = 'real-inspector-hf-repos';

/** Whether picked files are a Hugging Face repo (config.json, no manifest.json at the top) rather than a model package. */
export function isRepoFolder(files: File[]): boolean {
  const atTop = (name: string) =>
    files.some((f) => {
      const parts = ((f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name).split('/');
      return parts.length <= 2 && parts[parts.length - 1] === name;
    });
  return atTop('config.json') && !atTop('manifest.json');
}

export function dtypeRequest(choices: DtypeChoices | undefined): DtypeRequest | undefined {
  const entries = Object.entries(choices ?? {}).filter(([, d]) => d && d !== 'auto');
  return entries.length ? (Object.fromEntries(entries) as DtypeRequest) : undefined;
}

interface Pending {
  key: string;
  source: RepoSource;
  plan: RepoPlan | null;
}
let pending: Pending | null = null;

function keyOf(source: ModelSource, prefer: Backend, limits: DeviceLimits | undefined): string {
  const device = `${prefer}:${JSON.stringify(limits ?? {})}`;
  if (source.kind === 'files')
    return `files:${source.files.map((f) => `${f.name}:${f.size}`).join('|')}:${JSON.stringify(source.dtypes)}:${device}`;
  return `${JSON.stringify(source)}:${device}`;
}

function sourceFor(source: ModelSource): RepoSource {
  switch (source.kind) {
    case 'hub':
      return new HttpRepoSource(hubRepoUrl(source.repo, source.base), {
        cacheName: REPO_CACHE,
        timeouts: source.timeouts,
      });
    case 'repo-url':
      return new HttpRepoSource(source.url, { cacheName: REPO_CACHE, timeouts: source.timeouts });
    case 'files':
      return new FileListSource(source.files);
    default:
      throw new Error(`${source.kind} is a model package, not a Hugging Face repo`);
  }
}

/** The source and plan for a repo: the kept ones when the same repo and choices are asked again. */
export async function repoPlanFor(
  source: ModelSource,
  prefer: Backend,
  webgpuAvailable: () => Promise<string | null>,
  shaderF16: () => Promise<boolean>,
  signal?: AbortSignal,
  limits?: DeviceLimits,
): Promise<{ source: RepoSource; plan: RepoPlan; backend: Backend; fallbackReason?: string }> {
  const key = keyOf(source, prefer, limits);
  if (pending?.key !== key) pending = { key, source: sourceFor(source), plan: null };
  const { backend, fallbackReason } = await chooseBackend(prefer, webgpuAvailable);
  const p = pending;
  p.plan ??= await planForDevice(p.source, backend, {
    shaderF16: backend === 'webgpu' ? await shaderF16() : false,
    dtype: 'dtypes' in source ? dtypeRequest(source.dtypes) : undefined,
    signal,
    limits,
  });
  return { source: p.source, plan: p.plan, backend, fallbackReason };
}

/** Once loaded, a repo's buffers are the session's: forget the plan. */
export function forgetPlan(): void {
  pending = null;
}

export function summarise(plan: RepoPlan): RepoSummary {
  let attention: RepoSummary['attention'] = null;
  const decoder = plan.graphBytes.get(plan.components.decoder.graph.path);
  if (decoder) {
    const graph = readGraph(decoder);
    const found = findAttention(graph);
    const total = decoderLayerCount(graph, found.layers) ?? found.layers.length;
    attention = { layers: found.layers, numDecoderLayers: total, kind: found.kind };
  }
  return {
    family: plan.family,
    dtypes: { ...plan.dtypes },
    files: plan.files.map((f) => ({ path: f.path, bytes: f.bytes ?? 0, cached: f.cached })),
    totalBytes: plan.totalBytes,
    toDownload: plan.toDownload,
    attention,
    plan: {
      text: planText(plan.memory),
      backend: plan.memory.backend,
      bytes: { ...plan.memory.bytes },
      largestTensor: plan.memory.largestTensor,
      moved: { ...plan.memory.moved },
      imageTokens: plan.memory.imageTokens,
      maxImageTokens: maxImageTokens(plan.memory),
    },
  };
}
