/**
 * Planning a load: which files, in which dtype, of what size, before
 * anything big is downloaded. The small files (configs, templates, the
 * piece manifest) and graphs up to `graphReadLimit` are read; everything
 * else is only sized (HEAD, stat, File.size).
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
import { graphExternalData, type ExternalDataReader } from './graph-facts';
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
/** Caps on the small files: far above real ones (tokenizer.json of Gemma 3 is 33 MB). */
const SMALL_FILE_CAP = 16 * MiB;
export const TOKENIZER_CAP = 256 * MiB;

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
  /** How a graph's external data is read (default: P1's graph reader). */
  externalData?: ExternalDataReader;
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
  dtypeFrom: 'user' | 'config' | 'default';
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
  /** Files the load needs and the repo lacks (always empty with requireComplete). */
  missing: string[];
  /** Graph bytes read while planning, reused by loadRepo. */
  graphBytes: Map<string, Uint8Array>;
  /** Buffers loadRepo is filling and the files it finished, kept so that loading again resumes. */
  buffers: Map<string, Uint8Array>;
  completed: Set<string>;
}

/** config.json's dtype for a component on this device (`device_config` first), or null. */
export function configDtype(t: TransformersJsConfig, c: Component, device: Device): Dtype | null {
  for (const v of [t.deviceConfig[device.backend]?.dtype, t.dtype]) {
    if (!v) continue;
    if (typeof v === 'string') return v;
    if (Object.hasOwn(v, COMPONENT_FILE[c])) return v[COMPONENT_FILE[c]];
  }
  return null;
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
  const readData = options.externalData ?? graphExternalData;
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
  const components = {} as Record<Component, ComponentPlan>;
  for (const c of COMPONENTS) {
    const { dtype, dtypeFrom, bytes: gBytes } = await chooseDtype(source, config, c, options, size);
    const gPath = graphPath(c, dtype);
    files.push({ path: gPath, bytes: gBytes, role: 'graph', component: c, cached: false });
    let extents: { location: string; bytes: number | null }[];
    let fromGraph = false;
    if (gBytes <= graphReadLimit) {
      const bytes = await read(gPath, graphReadLimit);
      graphBytes.set(gPath, bytes);
      extents = readData(bytes, gPath);
      fromGraph = true;
    } else {
      const fileName = gPath.slice(gPath.lastIndexOf('/') + 1);
      let count = configDataFileCount(config.transformersJs, device, fileName, COMPONENT_FILE[c]);
      if (count === null) {
        // Neither the graph (too big to read now) nor config.json says: look for the conventional names.
        count = 0;
        const names = externalDataNames(fileName, MAX_DATA_FILES);
        while (count < MAX_DATA_FILES && (await size(siblingPath(gPath, names[count], 'data file'))) !== null)
          count++;
      }
      extents = externalDataNames(fileName, count).map((location) => ({ location, bytes: null }));
    }
    const data: DataPlan[] = [];
    for (const e of extents) {
      const d = await planData(gPath, e.location, e.bytes, pieceMap, size);
      data.push(d);
      if (d.pieces)
        for (const p of d.pieces)
          files.push({ path: p.path, bytes: p.bytes, role: 'piece', component: c, cached: false });
      else files.push({ path: d.path, bytes: d.bytes, role: 'data', component: c, cached: false });
      if (d.bytes === null) {
        if (requireComplete)
          throw new HubError(d.path, `is not in the repo (${gPath} keeps its weights there)`);
        missing.push(d.path);
      }
    }
    components[c] = {
      component: c,
      dtype,
      dtypeFrom,
      graph: { path: gPath, bytes: gBytes },
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
    files,
    totalBytes,
    toDownload,
    missing,
    graphBytes,
    buffers: new Map(),
    completed: new Set(),
  };
}

async function chooseDtype(
  source: RepoSource,
  config: RepoConfig,
  c: Component,
  options: PlanOptions,
  size: (p: string) => Promise<number | null>,
): Promise<{ dtype: Dtype; dtypeFrom: ComponentPlan['dtypeFrom']; bytes: number }> {
  const user = requested(options.dtype, c);
  const fromConfig = user ? null : configDtype(config.transformersJs, c, options.device);
  const asked = user ?? fromConfig;
  const available = async () => {
    const sizes = await Promise.all(DTYPES.map((d) => size(graphPath(c, d))));
    return DTYPES.filter((_, i) => sizes[i] !== null);
  };
  if (asked) {
    const path = graphPath(c, asked);
    const who = user ? 'the dtype asked for' : "config.json's transformers.js_config.dtype";
    if (!f16Ok(asked, options.device)) {
      const work = (await available()).filter((d) => f16Ok(d, options.device));
      throw new HubError(
        path,
        `is ${asked} (${who}), which needs WebGPU's shader-f16, and this browser's GPU lacks it; dtypes that would work here: ${work.join(', ') || 'none in this repo'} (or the wasm backend)`,
      );
    }
    const bytes = await size(path);
    if (bytes === null)
      throw new HubError(
        path,
        `is not in the repo (${who} is ${asked}); it has ${COMPONENT_FILE[c]} in: ${(await available()).join(', ') || 'no dtype'}`,
      );
    return { dtype: asked, dtypeFrom: user ? 'user' : 'config', bytes };
  }
  for (const d of defaultDtypes(c, options.device)) {
    const bytes = await size(graphPath(c, d));
    if (bytes !== null) return { dtype: d, dtypeFrom: 'default', bytes };
  }
  const have = await available();
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
