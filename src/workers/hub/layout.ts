/**
 * File names of the repo layout beyond the graphs themselves: external
 * data as transformers.js names it (`<file>.onnx_data`, `<file>.onnx_data_1`,
 * …, counted by config.json's `use_external_data_format`) and a data file
 * served in numbered pieces listed in `onnx/manifest.json`
 * (`{"x.onnx_data": {"chunks": ["x.onnx_data.00.chunk", …]}}`).
 */
import type { ExternalDataFormat, TransformersJsConfig } from './config';
import type { Device } from './dtypes';
import { HubError } from './hub-error';
import { siblingPath } from './repo-path';

/** transformers.js's bound on data files per graph. */
export const MAX_DATA_FILES = 100;
/** A bound on pieces per data file (50 MB pieces: 500 GB). */
export const MAX_PIECES = 10_000;

export const PIECE_MANIFEST = 'onnx/manifest.json';

/** `<graph>_data`, `<graph>_data_1`, … (the graph's file name, e.g. "decoder_model_merged_q4.onnx"). */
export function externalDataNames(graphFile: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${graphFile}_data${i === 0 ? '' : `_${i}`}`);
}

function countOf(v: ExternalDataFormat, fullName: string, stem: string): number | null {
  if (typeof v === 'object') {
    if (Object.hasOwn(v, fullName)) return +v[fullName];
    if (Object.hasOwn(v, stem)) return +v[stem];
    return null;
  }
  return +v;
}

/**
 * How many data files config.json says a graph has (null: it does not say),
 * as transformers.js reads it: the device's own `device_config` entry, when
 * it has `use_external_data_format`, replaces the top-level one whole.
 */
export function configDataFileCount(
  t: TransformersJsConfig,
  device: Device,
  fullName: string,
  stem: string,
): number | null {
  const own = t.deviceConfig[device.backend]?.useExternalDataFormat;
  const v = own !== undefined && own !== null ? own : t.useExternalDataFormat;
  if (v === undefined || v === null) return null;
  return countOf(v, fullName, stem);
}

/** onnx/manifest.json: data file path → its pieces' paths, in order (all repo-relative). */
export type PieceMap = Map<string, string[]>;

export function parsePieceManifest(json: unknown): PieceMap {
  const file = PIECE_MANIFEST;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new HubError(file, 'is not a JSON object of data files and their chunks');
  const out: PieceMap = new Map();
  for (const [name, entry] of Object.entries(json)) {
    const data = siblingPath(file, name, `${file} entry`);
    const chunks = (entry as { chunks?: unknown } | null)?.chunks;
    if (!Array.isArray(chunks) || chunks.length === 0 || chunks.length > MAX_PIECES)
      throw new HubError(
        file,
        `${JSON.stringify(name)}.chunks: expected a list of 1 to ${MAX_PIECES} file names`,
      );
    const pieces = chunks.map((c, i) => {
      if (typeof c !== 'string')
        throw new HubError(file, `${JSON.stringify(name)}.chunks[${i}]: expected a file name`);
      return siblingPath(file, c, `${file} chunk`);
    });
    if (new Set(pieces).size !== pieces.length)
      throw new HubError(file, `${JSON.stringify(name)}.chunks: lists a piece twice`);
    out.set(data, pieces);
  }
  return out;
}
