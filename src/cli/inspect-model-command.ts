import { findAttention, UnpatchableError } from '../workers/onnx';
import { decoderLayerCount, readGraphChecked } from '../workers/hub/graph-facts';
import { buildTokenizer, parseTokenizerFile } from '../workers/hub/tokenizer-file';
import { HubError, messageOf, wrapAs } from '../workers/hub/hub-error';
import { parseDtypeRequest, type Component, type Device } from '../workers/hub/dtypes';
import { maxImageTokens, TYPICAL_WEBGPU_BUFFER, type MemoryPlan } from '../workers/hub/memory-plan';
import { planRepo, TOKENIZER_CAP } from '../workers/hub/plan';
import { UsageError } from './args';
import { finiteJson } from './finite-json';
import { NodeFolderSource } from './node-repo-source';

/** The device flags of inspect-model: `--backend webgpu|wasm`, `--max-buffer BYTES`, `--memory BYTES`. */
export interface DeviceFlags {
  backend?: string;
  'max-buffer'?: string;
  memory?: string;
}

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/** "2147483648", "2GiB", "3.5 GB": a byte count from 1 to 2^53, or a UsageError naming the flag. */
export function parseBytes(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(raw.trim());
  const unit = m ? UNITS[m[2]] : undefined;
  const n = m && unit !== undefined && Object.hasOwn(UNITS, m[2]) ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(
      `${flag} ${raw}: expected a number of bytes from 1 to 2^53 (a plain number, or with kB, MB, GB, KiB, MiB, GiB)`,
    );
  return n;
}

/** The device a plan is held against, from the flags (wasm by default, as `real run` runs). */
export function deviceFromFlags(flags: DeviceFlags): Device {
  const backend = flags.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'webgpu')
    throw new UsageError(`--backend ${backend}: expected webgpu or wasm`);
  const memory = flags.memory === undefined ? undefined : parseBytes('--memory', flags.memory);
  const limits = memory === undefined ? {} : { memory, memoryFrom: '--memory' };
  if (backend === 'wasm') {
    if (flags['max-buffer'] !== undefined)
      throw new UsageError('--max-buffer applies to --backend webgpu (wasm has one heap, see --memory)');
    return { backend, limits };
  }
  const given = flags['max-buffer'];
  const buffer = given === undefined ? TYPICAL_WEBGPU_BUFFER : parseBytes('--max-buffer', given);
  return {
    backend,
    shaderF16: true,
    limits: {
      ...limits,
      maxBufferSize: buffer,
      maxStorageBufferBindingSize: buffer,
      bufferFrom: given === undefined ? 'a typical adapter; --max-buffer sets it' : '--max-buffer',
    },
  };
}

/** The plan as inspect-model prints it. */
function planJson(plan: MemoryPlan) {
  return {
    backend: plan.backend,
    dtypes: { decoder: plan.dtypes.decoder, vision: plan.dtypes.vision, embed: plan.dtypes.embed },
    bytes: plan.bytes,
    largestTensor: plan.largestTensor,
    fits: plan.fits,
    ...(plan.why !== undefined && { why: plan.why }),
    limits: plan.limits,
    largestBuffer: plan.largestBuffer,
    imageTokens: plan.imageTokens,
    maxImageTokens: maxImageTokens(plan),
    textTokens: plan.textTokens,
    maxNewTokens: plan.maxNewTokens,
    positions: plan.positions,
    estimated: plan.estimated,
    moved: plan.moved,
    options: { decoder: plan.options.decoder, vision: plan.options.vision, embed: plan.options.embed },
  };
}

/**
 * `real inspect-model DIR [--dtype D] [--backend webgpu|wasm] [--max-buffer
 * BYTES] [--memory BYTES]`: whether a Hugging Face ONNX repo in a folder
 * will load, before its weights are downloaded. It reads the small files
 * and the graphs only (weights may be absent), plans the load and the
 * memory a run needs on the device (wasm by default, as the CLI runs it;
 * `plan`: memory-plan.ts; a --dtype that cannot fit exits 2), and
 * finds the decoder's attention layers as the patcher would. The JSON lists
 * absent files in `missing` (a folder of graphs without weights is fine);
 * anything that makes the repo unusable (no config.json, an unknown
 * model_type, a missing graph, a truncated data file or piece, an
 * unpatchable decoder) is a thrown one-line error, which exits 2.
 */
export async function inspectModelCommand(
  dir: string,
  dtype: string | undefined,
  flags: DeviceFlags = {},
): Promise<string> {
  const device = deviceFromFlags(flags);
  const source = new NodeFolderSource(dir);
  const plan = await planRepo(source, {
    device,
    dtype: dtype === undefined ? undefined : parseDtypeRequest(dtype),
    requireComplete: false,
  });
  const decoder = plan.components.decoder.graph.path;
  const bytes = plan.graphBytes.get(decoder) ?? (await source.read(decoder));
  let attention;
  const graph = readGraphChecked(bytes, decoder);
  try {
    attention = findAttention(graph);
  } catch (e) {
    if (e instanceof UnpatchableError)
      throw new HubError(decoder, `cannot give attention rows: ${e.message}`, { cause: e });
    throw new HubError(decoder, `is not a readable ONNX graph (${messageOf(e)})`, { cause: e });
  }
  const layers = decoderLayerCount(graph, attention.layers);
  const notes: string[] = [];
  const claimed = plan.config.textConfig.num_hidden_layers;
  if (claimed !== undefined && claimed !== layers)
    notes.push(
      `config.json says num_hidden_layers ${JSON.stringify(claimed)}; ${decoder} has ${layers ?? 'no numbered'} layers, and that is what counts`,
    );
  // tokenizer.json is read and built as the load would, so a broken one is found before the download.
  if (plan.files.some((f) => f.role === 'tokenizer' && f.bytes !== null)) {
    let bytes: Uint8Array;
    try {
      bytes = await source.read('tokenizer.json', { maxBytes: TOKENIZER_CAP });
    } catch (e) {
      throw wrapAs('tokenizer.json', e);
    }
    buildTokenizer(parseTokenizerFile(bytes), plan.config.tokenizerConfig);
  }
  const components = (c: Component) => {
    const cp = plan.components[c];
    return {
      dtype: cp.dtype,
      dtypeFrom: cp.dtypeFrom,
      ...(cp.movedBecause && { movedBecause: cp.movedBecause }),
      graph: cp.graph.path,
      externalData: cp.data.map((d) => ({
        location: d.location,
        path: d.path,
        bytes: d.bytes,
        needed: d.needed,
        ...(d.pieces && { pieces: d.pieces.length }),
      })),
    };
  };
  // Data files in pieces are listed once, with their pieces' count and sum.
  const files: { path: string; bytes: number | null; pieces?: number }[] = [];
  for (const f of plan.files) if (f.role !== 'piece') files.push({ path: f.path, bytes: f.bytes });
  for (const c of ['vision', 'embed', 'decoder'] as const)
    for (const d of plan.components[c].data)
      if (d.pieces)
        files.splice(files.findIndex((f) => f.path === plan.components[c].graph.path) + 1, 0, {
          path: d.path,
          bytes: d.bytes,
          pieces: d.pieces.length,
        });
  return finiteJson(
    {
      model: source.where,
      family: plan.family,
      dtypes: plan.dtypes,
      components: {
        vision: components('vision'),
        embed: components('embed'),
        decoder: components('decoder'),
      },
      files,
      totalBytes: plan.totalBytes,
      plan: planJson(plan.memory),
      missing: plan.missing,
      complete: plan.missing.length === 0,
      attention: {
        layers: attention.layers,
        kind: attention.kind,
        patchable: true,
        alreadyPatched: attention.alreadyPatched,
        numDecoderLayers: layers,
      },
      notes,
    },
    { space: 2 },
  );
}
