/**
 * Planning a load: which files, in which dtype, of what size, and what a
 * run needs on the device (memory-plan.ts), before anything big is
 * downloaded. The small files (configs, templates, the piece manifest) and
 * the graphs are read (every dtype's graph up to FACTS_READ_LIMIT, the
 * chosen ones up to `graphReadLimit`); everything else is only sized (HEAD,
 * stat, File.size).
 */
import {
  CONFIG_FILES,
  parseRepoConfig,
  type ConfigFile,
  type HubFamily,
  type RepoConfig,
  type RepoFiles,
  type TransformersJsConfig,
} from './config';
import {
  COMPONENTS,
  COMPONENT_FILE,
  DTYPES,
  DTYPE_SUFFIX,
  defaultDtypes,
  f16Ok,
  graphPath,
  requested,
  type Component,
  type Device,
  type Dtype,
  type DtypeRequest,
} from './dtypes';
import { estimatedFacts, graphFacts, type GraphFacts } from './graph-facts';
import { planMemory, type MemoryPlan, type PlanOption } from './memory-plan';
import { configHeads, visionGeometry } from './model-shape';
import { HubError, messageOf, wrapAs } from './hub-error';
import {
  MAX_DATA_FILES,
  PIECE_MANIFEST,
  configDataFileCount,
  externalDataNames,
  parsePieceManifest,
  type PieceMap,
} from './layout';
import { siblingPath } from './repo-path';
import type { RepoSource } from './source';

const MiB = 2 ** 20;
/** Caps on the small files: far above real ones (tokenizer.json of Gemma 3 is 33 MB); prepare reads under them too. */
export const SMALL_FILE_CAP = 16 * MiB;
export const TOKENIZER_CAP = 256 * MiB;
/** Every dtype's graph up to this size is read for the memory plan (graph-only exports are ~1 MB). */
export const FACTS_READ_LIMIT = 16 * MiB;

export interface PlanOptions {
  device: Device;
  dtype?: DtypeRequest;
  signal?: AbortSignal;
  /** Graphs up to this size are read while planning, for their data files' names and extents (default 64 MiB). */
  graphReadLimit?: number;
  /**
   * true (default): the first file the load needs and the repo lacks is a
   * HubError. false (inspect-model): such files are listed in `missing`.
   */
  requireComplete?: boolean;
  /** Image tokens to plan the run for (default: the paper's 420 × 420 sizing, model-shape.ts). */
  imageTokens?: number;
  /** The token budget to plan for (default PLAN_NEW_TOKENS). */
  maxNewTokens?: number;
}

export type FileRole = 'config' | 'tokenizer' | 'manifest' | 'graph' | 'data' | 'piece';

export interface PlannedFile {
  path: string;
  /** Its size; null when the repo lacks it. */
  bytes: number | null;
  role: FileRole;
  component?: Component;
  /** Already in Cache Storage (an HTTP source's second load): it will not be downloaded. */
  cached: boolean;
}

export interface DataPlan {
  /** The location exactly as the graph's tensors name it (onnxruntime's `externalData[].path`). */
  location: string;
  /** Its repo path (beside the graph). */
  path: string;
  /** Its size: the file's, or its pieces' sum; null when absent. */
  bytes: number | null;
  /** Bytes the graph reads from it (max offset + length); null when the graph was not read while planning. */
  needed: number | null;
  /** The pieces it is served in (onnx/manifest.json), in order; null when it is one file. */
  pieces: { path: string; bytes: number | null }[] | null;
}

export interface ComponentPlan {
  component: Component;
  dtype: Dtype;
  /** 'plan': the first choice did not fit the device (see movedBecause). */
  dtypeFrom: 'user' | 'config' | 'default' | 'plan';
  movedBecause?: string;
  graph: { path: string; bytes: number };
  data: DataPlan[];
  /** Data files named by the graph itself (true), or by config.json's count / the naming convention. */
  dataFromGraph: boolean;
}

export interface RepoPlan {
  source: RepoSource;
  where: string;
  family: HubFamily;
  config: RepoConfig;
  device: Device;
  dtypes: Record<Component, Dtype>;
  components: Record<Component, ComponentPlan>;
  /** Every file the load reads, in order, with its size. */
  files: PlannedFile[];
  /** What the load downloads or reads in all; a missing data file counts the bytes its graph reads. */
  totalBytes: number;
  /** Of those, the bytes still to download (0 for a folder; HTTP files not in the cache). */
  toDownload: number;
  /** What a run needs on the device, and whether it fits (memory-plan.ts). */
  memory: MemoryPlan;
  /** Files the load needs and the repo lacks (always empty with requireComplete). */
  missing: string[];
  /** Graph bytes read while planning, reused by loadRepo. */
  graphBytes: Map<string, Uint8Array>;
  /** Buffers loadRepo is filling and the files it finished, kept so that loading again resumes. */
  buffers: Map<string, Uint8Array>;
  completed: Set<string>;
}

/**
 * config.json's dtype for a component on this device, as transformers.js
 * reads it (models/session.js): `device_config[device]` is merged over
 * `transformers.js_config` key by key, so a device's `dtype` replaces the
 * top-level one whole; a per-file object that lacks the component names
 * none (transformers.js then takes its device default).
 */
export function configDtype(t: TransformersJsConfig, c: Component, device: Device): Dtype | null {
  const dc = t.deviceConfig[device.backend];
  const v = dc && dc.dtype !== undefined ? dc.dtype : t.dtype;
  if (!v) return null;
  if (typeof v === 'string') return v;
  return Object.hasOwn(v, COMPONENT_FILE[c]) ? v[COMPONENT_FILE[c]] : null;
}

/** Files the load needs beside the graphs, which parseRepoConfig does not insist on. */
function missingSmallFiles(config: RepoConfig, tokenizerBytes: number | null): string[] {
  const out: string[] = [];
  if (tokenizerBytes === null) out.push('tokenizer.json');
  if (!config.preprocessor) out.push('preprocessor_config.json');
  if (config.chatTemplate === null) out.push('chat_template.jinja');
  return out;
}

const MISSING_WHY: Record<string, string> = {
  'tokenizer.json': 'is not in the repo, and the model cannot read text without it',
  'preprocessor_config.json':
    "is not in the repo (nor processor_config.json's image_processor), and images cannot be prepared without it",
  'chat_template.jinja':
    "is not in the repo: no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json's chat_template)",
};

export async function planRepo(source: RepoSource, options: PlanOptions): Promise<RepoPlan> {
  const { device, signal } = options;
  const requireComplete = options.requireComplete ?? true;
  const graphReadLimit = options.graphReadLimit ?? 64 * MiB;
  const size = async (path: string) => {
    try {
      return await source.size(path, signal);
    } catch (e) {
      throw wrapAs(path, e, `cannot be sized at ${source.where}`);
    }
  };
  const read = async (path: string, maxBytes: number) => {
    try {
      return await source.read(path, { signal, maxBytes });
    } catch (e) {
      throw wrapAs(path, e);
    }
  };
  const files: PlannedFile[] = [];
  const missing: string[] = [];

  // The small files, sized together, then read.
  const small = CONFIG_FILES.filter((f) => f !== 'tokenizer.json');
  const [tokenizerBytes, manifestBytes, ...smallSizes] = await Promise.all(
    ['tokenizer.json', PIECE_MANIFEST, ...small].map(size),
  );
  const given: RepoFiles = {};
  for (const [i, name] of small.entries()) {
    const n = smallSizes[i];
    if (n === null) continue;
    given[name as ConfigFile] = await read(name, SMALL_FILE_CAP);
    files.push({ path: name, bytes: n, role: 'config', cached: false });
  }
  const config = parseRepoConfig(given);
  for (const m of missingSmallFiles(config, tokenizerBytes)) {
    if (requireComplete) throw new HubError(m, MISSING_WHY[m]);
    missing.push(m);
  }
  if (tokenizerBytes !== null) {
    if (tokenizerBytes > TOKENIZER_CAP)
      throw new HubError(
        'tokenizer.json',
        `has ${tokenizerBytes} bytes, more than the ${TOKENIZER_CAP} a tokenizer may have`,
      );
    files.push({ path: 'tokenizer.json', bytes: tokenizerBytes, role: 'tokenizer', cached: false });
  }
  let pieceMap: PieceMap = new Map();
  if (manifestBytes !== null) {
    const bytes = await read(PIECE_MANIFEST, SMALL_FILE_CAP);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new HubError(PIECE_MANIFEST, `is not JSON (${messageOf(e)})`);
    }
    pieceMap = parsePieceManifest(json);
    files.push({ path: PIECE_MANIFEST, bytes: manifestBytes, role: 'manifest', cached: false });
  }

  const graphBytes = new Map<string, Uint8Array>();
  const factsLimit = Math.min(graphReadLimit, FACTS_READ_LIMIT);
  const readFacts = async (path: string, limit: number): Promise<GraphFacts> => {
    const bytes = await read(path, limit);
    graphBytes.set(path, bytes);
    return graphFacts(bytes, path);
  };
  /** Data files of a graph too big to read now: config.json's count, else the conventional names that exist. */
  const namedData = async (c: Component, gPath: string) => {
    const fileName = gPath.slice(gPath.lastIndexOf('/') + 1);
    let count = configDataFileCount(config.transformersJs, device, fileName, COMPONENT_FILE[c]);
    const names = externalDataNames(fileName, MAX_DATA_FILES);
    const sizes: (number | null)[] = [];
    if (count === null) {
      count = 0;
      while (count < MAX_DATA_FILES) {
        const n = await size(siblingPath(gPath, names[count], 'data file'));
        if (n === null) break;
        sizes.push(n);
        count++;
      }
    }
    for (let i = sizes.length; i < count; i++)
      sizes.push(await size(siblingPath(gPath, names[i], 'data file')));
    return names.slice(0, count).map((location, i) => ({ location, bytes: sizes[i] }));
  };
  const planOptions = {} as Record<Component, PlanOption[]>;
  const forced: Partial<Record<Component, Dtype>> = {};
  const firstFrom = {} as Record<Component, ComponentPlan['dtypeFrom']>;
  const unread = new Map<string, { location: string; bytes: number | null }[]>();
  for (const c of COMPONENTS) {
    const found = await dtypeOptions(config, c, options, size);
    firstFrom[c] = found.from;
    if (found.from === 'user') forced[c] = found.order[0].dtype;
    planOptions[c] = [];
    for (const { dtype, bytes } of found.order) {
      const path = graphPath(c, dtype);
      let facts: GraphFacts;
      if (bytes <= factsLimit) facts = await readFacts(path, factsLimit);
      else {
        const data = await namedData(c, path);
        unread.set(path, data);
        facts = estimatedFacts(
          bytes,
          data.map((d) => ({ location: d.location, bytes: d.bytes ?? 0 })),
        );
      }
      planOptions[c].push({ dtype, path, facts });
    }
  }
  const geometry = visionGeometry(config);
  const memoryInput = {
    device,
    geometry,
    configHeads: configHeads(config),
    options: planOptions,
    forced,
    ...(options.imageTokens !== undefined && { imageTokens: options.imageTokens }),
    ...(options.maxNewTokens !== undefined && { maxNewTokens: options.maxNewTokens }),
  };
  let memory = planMemory(memoryInput);
  // A chosen graph too big to read for every dtype but within graphReadLimit is read now, and the plan made again.
  for (let round = 0; round < COMPONENTS.length; round++) {
    const toRead = COMPONENTS.map((c) => planOptions[c].find((o) => o.dtype === memory.dtypes[c])!).filter(
      (o) => o.facts.estimated && o.facts.fileBytes <= graphReadLimit,
    );
    if (toRead.length === 0) break;
    for (const o of toRead) {
      o.facts = await readFacts(o.path, graphReadLimit);
      unread.delete(o.path);
    }
    memory = planMemory(memoryInput);
  }
  /** The chosen graph's data files, sized (pieces summed, truncation found); each file one buffer. */
  const planComponentData = async (c: Component) => {
    const option = planOptions[c].find((o) => o.dtype === memory.dtypes[c])!;
    const gPath = option.path;
    const out: PlannedFile[] = [
      { path: gPath, bytes: option.facts.fileBytes, role: 'graph', component: c, cached: false },
    ];
    const fromGraph = !option.facts.estimated;
    const extents: { location: string; bytes: number | null }[] = fromGraph
      ? option.facts.external
      : (unread.get(gPath) ?? []).map((d) => ({ location: d.location, bytes: null }));
    const data: DataPlan[] = [];
    for (const e of extents) {
      const d = await planData(gPath, e.location, e.bytes, pieceMap, size);
      if (d.bytes !== null && d.bytes > memory.limits.maxFile)
        throw new HubError(
          d.path,
          `has ${d.bytes} bytes${d.pieces ? ` in its ${d.pieces.length} pieces` : ''}, more than the ${memory.limits.maxFile} one buffer holds; onnxruntime takes each data file as one buffer, so it cannot be loaded`,
        );
      data.push(d);
      if (d.pieces)
        for (const p of d.pieces)
          out.push({ path: p.path, bytes: p.bytes, role: 'piece', component: c, cached: false });
      else out.push({ path: d.path, bytes: d.bytes, role: 'data', component: c, cached: false });
    }
    return { option, files: out, data, fromGraph };
  };
  let planned: Record<Component, Awaited<ReturnType<typeof planComponentData>>>;
  // Each data file is read whole: where one holds more than its graph reads, the plan counts what is read.
  for (let round = 0; ; round++) {
    planned = {} as typeof planned;
    for (const c of COMPONENTS) planned[c] = await planComponentData(c);
    let grew = false;
    for (const c of COMPONENTS) {
      const { option, data } = planned[c];
      const read =
        option.facts.fileBytes + data.reduce((a, d) => a + Math.max(d.bytes ?? 0, d.needed ?? 0), 0);
      if (read > option.facts.bytes) {
        option.facts = { ...option.facts, bytes: read };
        grew = true;
      }
    }
    if (!grew || round >= 2) break;
    memory = planMemory(memoryInput);
  }
  if (!memory.fits && (requireComplete || (memory.whyComponent && forced[memory.whyComponent]))) {
    const c = memory.whyComponent ?? 'decoder';
    throw new HubError(graphPath(c, memory.dtypes[c]), memory.why!);
  }
  // Graph bytes of the dtypes not chosen are not kept.
  for (const path of [...graphBytes.keys()])
    if (!COMPONENTS.some((c) => graphPath(c, memory.dtypes[c]) === path)) graphBytes.delete(path);

  const components = {} as Record<Component, ComponentPlan>;
  for (const c of COMPONENTS) {
    const { option, files: cFiles, data, fromGraph } = planned[c];
    const dtype = option.dtype;
    files.push(...cFiles);
    for (const d of data)
      if (d.bytes === null) {
        if (requireComplete)
          throw new HubError(d.path, `is not in the repo (${option.path} keeps its weights there)`);
        missing.push(d.path);
      }
    components[c] = {
      component: c,
      dtype,
      dtypeFrom: dtype === planOptions[c][0].dtype ? firstFrom[c] : 'plan',
      ...(memory.moved[c] && { movedBecause: memory.moved[c] }),
      graph: { path: option.path, bytes: option.facts.fileBytes },
      data,
      dataFromGraph: fromGraph,
    };
  }
  let totalBytes = 0;
  let toDownload = 0;
  for (const f of files) {
    if (f.bytes !== null && source.cached) f.cached = await source.cached(f.path);
    totalBytes += f.bytes ?? 0;
    if (source.kind === 'http' && !f.cached) toDownload += f.bytes ?? 0;
  }
  for (const c of COMPONENTS)
    for (const d of components[c].data) if (d.bytes === null) totalBytes += d.needed ?? 0;
  return {
    source,
    where: source.where,
    family: config.family,
    config,
    device,
    dtypes: {
      vision: components.vision.dtype,
      embed: components.embed.dtype,
      decoder: components.decoder.dtype,
    },
    components,
    memory,
    files,
    totalBytes,
    toDownload,
    missing,
    graphBytes,
    buffers: new Map(),
    completed: new Set(),
  };
}

/**
 * The dtypes of a component to plan with, in order of preference, each
 * with its graph's size: the one the user asked for or config.json names
 * first (refused here when the repo lacks it or the GPU cannot run it),
 * then transformers.js's default and the rest least lossy first (dtypes.ts).
 */
async function dtypeOptions(
  config: RepoConfig,
  c: Component,
  options: PlanOptions,
  size: (p: string) => Promise<number | null>,
): Promise<{ from: ComponentPlan['dtypeFrom']; order: { dtype: Dtype; bytes: number }[] }> {
  const sizes = await Promise.all(DTYPES.map((d) => size(graphPath(c, d))));
  const bytesOf = new Map<Dtype, number>();
  DTYPES.forEach((d, i) => {
    const n = sizes[i];
    if (n !== null) bytesOf.set(d, n);
  });
  const have = DTYPES.filter((d) => bytesOf.has(d));
  const user = requested(options.dtype, c);
  const fromConfig = user ? null : configDtype(config.transformersJs, c, options.device);
  const asked = user ?? fromConfig;
  if (asked) {
    const path = graphPath(c, asked);
    const who = user ? 'the dtype asked for' : "config.json's transformers.js_config.dtype";
    if (!f16Ok(asked, options.device)) {
      const work = have.filter((d) => f16Ok(d, options.device));
      throw new HubError(
        path,
        `is ${asked} (${who}), which needs WebGPU's shader-f16, and this browser's GPU lacks it; dtypes that would work here: ${work.join(', ') || 'none in this repo'} (or the wasm backend)`,
      );
    }
    if (!bytesOf.has(asked))
      throw new HubError(
        path,
        `is not in the repo (${who} is ${asked}); it has ${COMPONENT_FILE[c]} in: ${have.join(', ') || 'no dtype'}`,
      );
  }
  const preference = [
    ...(asked ? [asked] : []),
    ...defaultDtypes(c, options.device).filter((d) => d !== asked),
  ];
  const order = preference
    .filter((d) => bytesOf.has(d))
    .map((dtype) => ({ dtype, bytes: bytesOf.get(dtype)! }));
  // The user's dtype is kept (planRepo forces it); the rest are listed for "dtypes that would fit".
  if (order.length) return { from: user ? 'user' : asked ? 'config' : 'default', order };
  throw new HubError(
    `onnx/${COMPONENT_FILE[c]}.onnx`,
    have.length
      ? `is in this repo only as ${have.join(', ')}, which need WebGPU's shader-f16 (this browser's GPU lacks it); use the wasm backend`
      : `is not in the repo in any dtype (looked for onnx/${COMPONENT_FILE[c]}{${DTYPES.map((d) => DTYPE_SUFFIX[d]).join(',')}}.onnx)`,
  );
}

async function planData(
  graph: string,
  location: string,
  needed: number | null,
  pieceMap: PieceMap,
  size: (p: string) => Promise<number | null>,
): Promise<DataPlan> {
  const path = siblingPath(graph, location, `${graph} external data location`);
  const whole = await size(path);
  const listed = pieceMap.get(path);
  let bytes = whole;
  let pieces: DataPlan['pieces'] = null;
  if (whole === null && listed) {
    const sizes = await Promise.all(listed.map(size));
    pieces = listed.map((p, i) => ({ path: p, bytes: sizes[i] }));
    const absent = pieces.filter((p) => p.bytes === null);
    if (absent.length === 0) bytes = sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
    else if (absent.length < pieces.length)
      throw new HubError(
        absent[0].path,
        `is not in the repo, though other pieces of ${path} are (${PIECE_MANIFEST} lists ${pieces.length})`,
      );
  }
  if (bytes !== null && needed !== null && bytes < needed) {
    if (!pieces)
      throw new HubError(path, `is truncated: ${bytes} bytes, and ${graph} reads ${needed} from it`);
    // Pieces are of one size but the last: the first that differs (or the last) is the short one.
    const short =
      pieces.find((p, i) => i < pieces!.length - 1 && p.bytes !== pieces![0].bytes) ??
      pieces[pieces.length - 1];
    throw new HubError(
      path,
      `is truncated: its ${pieces.length} pieces hold ${bytes} bytes, and ${graph} reads ${needed} from it (${short.path}, ${short.bytes} bytes, looks short)`,
    );
  }
  return { location, path, bytes, needed, pieces };
}
