/**
 * Loading a planned repo: the tokenizer, the three graphs and their
 * external data, each file read once into one buffer of its size (a data
 * file in pieces into one buffer of their sum). An interrupted load keeps
 * its buffers in the plan, so calling loadRepo(plan) again resumes.
 */
import type { JsonObject, RepoConfig } from './config';
import { COMPONENTS, type Component, type Dtype } from './dtypes';
import { graphExternalData, type ExternalDataReader } from './graph-facts';
import { HubError, messageOf, wrapAs } from './hub-error';
import { TOKENIZER_CAP, type DataPlan, type RepoPlan } from './plan';
import { parseTokenizerFile } from './tokenizer-file';
import { siblingPath } from './repo-path';
import { MAX_FILE_BYTES, type ReadProgress } from './source';

export type HubProgress =
  | {
      status: 'download';
      file: string;
      loaded: number;
      total: number;
      fromCache: boolean;
      /** Set once where an interrupted download resumed (the byte it resumed at). */
      resumedFrom?: number;
      overall: { loaded: number; total: number };
    }
  | { status: 'done'; file: string; fromCache: boolean; overall: { loaded: number; total: number } }
  | { status: 'ready' };

export interface LoadedGraph {
  path: string;
  dtype: Dtype;
  bytes: Uint8Array;
  /** For onnxruntime's session options: `path` exactly as the graph's tensors name the location. */
  externalData: { path: string; data: Uint8Array }[];
}

export interface LoadedRepo {
  where: string;
  family: RepoConfig['family'];
  config: RepoConfig;
  dtypes: Record<Component, Dtype>;
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject | null;
  chatTemplate: string;
  graphs: Record<Component, LoadedGraph>;
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** How a graph's external data is read (default: P1's graph reader). */
  externalData?: ExternalDataReader;
}

export async function loadRepo(
  plan: RepoPlan,
  onProgress: (p: HubProgress) => void = () => {},
  options: LoadOptions = {},
): Promise<LoadedRepo> {
  if (plan.missing.length)
    throw new HubError(
      plan.missing[0],
      `is not in the repo (${plan.where}); the model cannot load without it`,
    );
  const { source } = plan;
  const readData = options.externalData ?? graphExternalData;
  const overall = { loaded: 0, total: plan.totalBytes };
  const read = async (path: string, extra: { into?: Uint8Array; maxBytes?: number } = {}) => {
    let last = 0;
    let fromCache = false;
    const onProgress2 = (p: ReadProgress) => {
      overall.loaded += p.loaded - last;
      last = p.loaded;
      fromCache = p.fromCache;
      onProgress({ status: 'download', file: path, ...p, overall: { ...overall } });
    };
    try {
      const bytes = await source.read(path, { ...extra, signal: options.signal, onProgress: onProgress2 });
      overall.loaded += bytes.length - last;
      onProgress({ status: 'done', file: path, fromCache, overall: { ...overall } });
      return bytes;
    } catch (e) {
      overall.loaded -= last;
      throw wrapAs(path, e);
    }
  };
  const skip = (path: string, bytes: number) => {
    overall.loaded += bytes;
    onProgress({ status: 'done', file: path, fromCache: true, overall: { ...overall } });
  };

  const tokenizerBytes = await read('tokenizer.json', { maxBytes: TOKENIZER_CAP });
  const tokenizerJson = parseTokenizerFile(tokenizerBytes);
  for (const f of plan.files) if (f.role === 'config' || f.role === 'manifest') skip(f.path, f.bytes ?? 0);

  const graphs = {} as Record<Component, LoadedGraph>;
  for (const c of COMPONENTS) {
    const cp = plan.components[c];
    const gPath = cp.graph.path;
    let bytes = plan.graphBytes.get(gPath);
    if (bytes) skip(gPath, bytes.length);
    else bytes = await read(gPath);
    if (!cp.dataFromGraph) checkNamedData(gPath, readData(bytes, gPath), cp.data);
    const externalData: LoadedGraph['externalData'] = [];
    for (const d of cp.data)
      externalData.push({ path: d.location, data: await readDataFile(plan, d, read, skip) });
    graphs[c] = { path: gPath, dtype: cp.dtype, bytes, externalData };
  }
  // The buffers now belong to the result: the plan lets go of them.
  plan.buffers.clear();
  plan.completed.clear();
  onProgress({ status: 'ready' });
  const cfg = plan.config;
  return {
    where: plan.where,
    family: plan.family,
    config: cfg,
    dtypes: plan.dtypes,
    tokenizerJson,
    tokenizerConfig: cfg.tokenizerConfig,
    chatTemplate: cfg.chatTemplate!,
    graphs,
  };
}

/** A graph read only now (too big to read while planning): its data must be the files the plan sized. */
function checkNamedData(
  graph: string,
  named: { location: string; bytes: number }[],
  planned: DataPlan[],
): void {
  const byPath = new Map(planned.map((d) => [d.path, d]));
  for (const n of named) {
    const path = siblingPath(graph, n.location, `${graph} external data location`);
    const d = byPath.get(path);
    if (!d)
      throw new HubError(
        graph,
        `keeps weights in ${n.location}, which the repo layout (config.json's use_external_data_format or the ${planned.length} files found) does not list`,
      );
    d.location = n.location;
    d.needed = n.bytes;
    if (d.bytes !== null && d.bytes < n.bytes)
      throw new HubError(path, `is truncated: ${d.bytes} bytes, and ${graph} reads ${n.bytes} from it`);
  }
}

async function readDataFile(
  plan: RepoPlan,
  d: DataPlan,
  read: (path: string, extra?: { into?: Uint8Array }) => Promise<Uint8Array>,
  skip: (path: string, bytes: number) => void,
): Promise<Uint8Array> {
  if (d.bytes === null) throw new HubError(d.path, 'is not in the repo');
  if (!d.pieces) {
    const kept = plan.completed.has(d.path) ? plan.buffers.get(d.path) : undefined;
    if (kept) {
      skip(d.path, kept.length);
      return kept;
    }
    const bytes = await read(d.path);
    plan.buffers.set(d.path, bytes);
    plan.completed.add(d.path);
    return bytes;
  }
  // One buffer for the whole file; each piece is read straight into its place.
  let buffer = plan.buffers.get(d.path);
  if (!buffer || buffer.length !== d.bytes) {
    buffer = allocate(d.path, d.bytes, d.pieces.length);
    plan.buffers.set(d.path, buffer);
  }
  let at = 0;
  for (const p of d.pieces) {
    const n = p.bytes!;
    if (plan.completed.has(p.path)) skip(p.path, n);
    else {
      await read(p.path, { into: buffer.subarray(at, at + n) });
      plan.completed.add(p.path);
    }
    at += n;
  }
  return buffer;
}

/** One buffer for a data file in pieces, or one line naming it when no buffer can hold it. */
function allocate(path: string, bytes: number, pieces: number): Uint8Array {
  if (bytes > MAX_FILE_BYTES)
    throw new HubError(
      path,
      `has ${bytes} bytes in its ${pieces} pieces, more than the ${MAX_FILE_BYTES} one buffer holds; it cannot be loaded`,
    );
  try {
    return new Uint8Array(bytes);
  } catch (e) {
    throw new HubError(
      path,
      `needs a buffer of ${bytes} bytes, which cannot be allocated here (${messageOf(e)})`,
      {
        cause: e,
      },
    );
  }
}
