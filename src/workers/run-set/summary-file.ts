import type { LayerRange, RealSettings, ThresholdRule } from '../../real';
import {
  RUN_SUMMARY_FORMAT,
  RUN_SUMMARY_VERSION,
  type RunSummaryHeader,
  type RunSummaryRow,
  type RunSummaryToken,
} from '../../real/run-set/summary-types';

/**
 * Reading a run summary (docs/run-summary.md): JSON Lines, the header
 * first. The file is read in chunks and split into lines as it comes, so a
 * summary of thousands of rows is never one string. A row that is not what
 * the format says is refused with one line naming the file, the line and the
 * field; its trace is then scored from the trace file instead.
 */

const CHUNK = 4 * 1024 * 1024;
/** A line longer than this is not a summary row (a row holds a small map and two thumbnails). */
const MAX_LINE = 16 * 1024 * 1024;

export class SummaryLineError extends Error {
  override name = 'SummaryLineError';
}

/** Each line of a UTF-8 text file, with its number (from 1), read in chunks. */
export async function* jsonLines(file: Blob): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  let line = 0;
  for (let at = 0; at < file.size; at += CHUNK) {
    const bytes = new Uint8Array(await file.slice(at, Math.min(file.size, at + CHUNK)).arrayBuffer());
    const text = rest + decoder.decode(bytes, { stream: at + CHUNK < file.size });
    const parts = text.split('\n');
    rest = parts.pop()!;
    if (rest.length > MAX_LINE)
      throw new SummaryLineError(`line ${line + 1}: longer than ${MAX_LINE} characters`);
    for (const p of parts) {
      line++;
      if (p.trim() !== '') yield { line, text: p };
    }
  }
  rest += decoder.decode();
  if (rest.trim() !== '') yield { line: line + 1, text: rest };
}

function bad(field: string, detail: string): never {
  throw new SummaryLineError(`${field}: ${detail}`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function num(o: Record<string, unknown>, field: string, where = field): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v))
    bad(where, `expected a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function numOrNull(o: Record<string, unknown>, field: string, where = field): number | null {
  return o[field] === null || o[field] === undefined ? null : num(o, field, where);
}

function strOrNull(o: Record<string, unknown>, field: string): string | null {
  const v = o[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') bad(field, `expected a string or null, got ${JSON.stringify(v)}`);
  return v;
}

/** A data URL for an <img>, or null; anything else (a remote URL) is refused, so a row loads nothing. */
function imageUrlOrNull(o: Record<string, unknown>, field: string): string | null {
  const v = strOrNull(o, field);
  if (v !== null && !/^data:image\/(png|jpeg|webp);base64,/.test(v))
    bad(field, 'expected a PNG, JPEG or WebP data URL');
  return v;
}

export function readSummaryHeader(json: unknown): RunSummaryHeader {
  if (!isObject(json)) bad('header', 'the first line is not a JSON object');
  if (json.format !== RUN_SUMMARY_FORMAT)
    bad('format', `expected "${RUN_SUMMARY_FORMAT}", got ${JSON.stringify(json.format)}`);
  if (json.version !== RUN_SUMMARY_VERSION)
    bad('version', `this app reads version ${RUN_SUMMARY_VERSION}, got ${JSON.stringify(json.version)}`);
  return json as unknown as RunSummaryHeader;
}

function threshold(o: Record<string, unknown>, field: string): ThresholdRule {
  const v = o[field];
  const at = `settings.${field}`;
  if (!isObject(v)) bad(at, 'expected {rule}');
  if (v.rule === 'median' || v.rule === 'knee' || v.rule === 'mean') return { rule: v.rule };
  if (v.rule === 'fixed') return { rule: 'fixed', value: num(v, 'value', `${at}.value`) };
  bad(`${at}.rule`, `expected median, knee, mean or fixed, got ${JSON.stringify(v.rule)}`);
}

function layers(v: unknown): LayerRange | null {
  if (v === null || v === undefined) return null;
  if (!isObject(v) || !Number.isInteger(v.from) || !Number.isInteger(v.to))
    bad('settings.layers', 'expected null or {from, to}, whole numbers');
  const range = { from: v.from as number, to: v.to as number };
  if (range.from < 0 || range.to < range.from) bad('settings.layers', 'expected 0 ≤ from ≤ to');
  return range;
}

/**
 * The settings a summary's rows were scored with (its header's), checked
 * field by field: the rows the app scores for traces the summary does not
 * cover are scored with these, so one set is one scoring. The header's own
 * additions (the mask resolutions) are not settings.
 */
export function readSummarySettings(header: RunSummaryHeader): RealSettings {
  const s = header.settings;
  if (!isObject(s)) bad('settings', 'expected an object');
  const k = s.k;
  if (!Number.isInteger(k) || (k as number) < 1) bad('settings.k', 'expected a whole number ≥ 1');
  if (s.rowReading !== 'own' && s.rowReading !== 'producing')
    bad('settings.rowReading', 'expected "own" or "producing"');
  const words = s.anomalyWords;
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string'))
    bad('settings.anomalyWords', 'expected a list of words');
  const percentile = num(s, 'supportPercentile', 'settings.supportPercentile');
  if (percentile < 0 || percentile > 100) bad('settings.supportPercentile', 'expected 0 … 100');
  return {
    alpha: num(s, 'alpha', 'settings.alpha'),
    beta: num(s, 'beta', 'settings.beta'),
    k: k as number,
    layers: layers(s.layers),
    rowReading: s.rowReading,
    anomalyWords: words as string[],
    tauT: threshold(s, 'tauT'),
    tauI: threshold(s, 'tauI'),
    supportPercentile: percentile,
    delta1: num(s, 'delta1', 'settings.delta1'),
    delta2: num(s, 'delta2', 'settings.delta2'),
  };
}

/** Whether two scorings are the same (the settings' every field). */
export function sameSettings(a: RealSettings, b: RealSettings): boolean {
  const rule = (t: ThresholdRule) => (t.rule === 'fixed' ? [t.rule, t.value] : t.rule);
  const key = (s: RealSettings) =>
    JSON.stringify([
      s.alpha,
      s.beta,
      s.k,
      s.layers && [s.layers.from, s.layers.to],
      s.rowReading,
      s.anomalyWords,
      rule(s.tauT),
      rule(s.tauI),
      s.supportPercentile,
      s.delta1,
      s.delta2,
    ]);
  return key(a) === key(b);
}

function readToken(t: unknown, i: number): RunSummaryToken {
  const at = `tokens[${i}]`;
  if (!isObject(t)) bad(at, 'expected an object');
  if (typeof t.text !== 'string') bad(`${at}.text`, 'expected a string');
  if (!Number.isInteger(t.index) || (t.index as number) < 0)
    bad(`${at}.index`, 'expected a whole number ≥ 0');
  if (typeof t.kept !== 'boolean') bad(`${at}.kept`, 'expected true or false');
  return {
    index: t.index as number,
    text: t.text,
    sT: num(t, 'sT', `${at}.sT`),
    sI: num(t, 'sI', `${at}.sI`),
    sTNorm: num(t, 'sTNorm', `${at}.sTNorm`),
    sINorm: num(t, 'sINorm', `${at}.sINorm`),
    kept: t.kept,
    weight: num(t, 'weight', `${at}.weight`),
    auroc: numOrNull(t, 'auroc', `${at}.auroc`),
    maskMass: numOrNull(t, 'maskMass', `${at}.maskMass`),
  };
}

/** One row, checked field by field (a summary is a cache: a wrong row is refused, not trusted). */
export function readSummaryRow(json: unknown): RunSummaryRow {
  if (!isObject(json)) bad('row', 'expected a JSON object');
  if (typeof json.trace !== 'string' || json.trace === '') bad('trace', 'expected the trace file’s path');
  if (typeof json.id !== 'string') bad('id', 'expected a string');
  const label = json.label ?? null;
  if (label !== 0 && label !== 1 && label !== null)
    bad('label', `expected 0, 1 or null, got ${JSON.stringify(label)}`);
  const answer = json.answer ?? null;
  if (answer !== 'yes' && answer !== 'no' && answer !== null) bad('answer', 'expected "yes", "no" or null');
  const rCons = json.rCons ?? null;
  if (rCons !== 0 && rCons !== 1 && rCons !== null) bad('rCons', 'expected 0, 1 or null');
  const grid = json.grid;
  if (!isObject(grid) || !Number.isInteger(grid.rows) || !Number.isInteger(grid.cols))
    bad('grid', 'expected {rows, cols}, whole numbers');
  const rows = grid.rows as number;
  const cols = grid.cols as number;
  if (rows < 1 || cols < 1 || rows * cols > 1 << 16)
    bad('grid', `${rows} × ${cols} is not a grid this app draws`);
  if (!Array.isArray(json.map) || json.map.length !== rows * cols)
    bad('map', `expected ${rows * cols} values (rows × cols)`);
  const map = json.map as unknown[];
  for (let i = 0; i < map.length; i++)
    if (typeof map[i] !== 'number' || !Number.isFinite(map[i])) bad(`map[${i}]`, 'expected a finite number');
  if (!Array.isArray(json.tokens)) bad('tokens', 'expected an array');
  const pYes = numOrNull(json, 'pYes');
  if (pYes !== null && (pYes < 0 || pYes > 1)) bad('pYes', `expected a probability, got ${pYes}`);
  return {
    trace: json.trace,
    id: json.id,
    category: strOrNull(json, 'category'),
    defect: strOrNull(json, 'defect'),
    label,
    answer,
    pYes,
    pixelAuroc: numOrNull(json, 'pixelAuroc'),
    aupro: numOrNull(json, 'aupro'),
    maskMass: numOrNull(json, 'maskMass'),
    jaccard: num(json, 'jaccard'),
    rCons,
    kept: num(json, 'kept'),
    grid: { rows, cols },
    map: map as number[],
    thumbnail: imageUrlOrNull(json, 'thumbnail'),
    maskThumbnail: imageUrlOrNull(json, 'maskThumbnail'),
    tokens: json.tokens.map(readToken),
  };
}

/** Joins a summary's folder and a row's relative path, refusing paths that leave the folder. */
export function resolveRowPath(summaryPath: string, trace: string): string | null {
  const base = summaryPath.includes('/') ? summaryPath.slice(0, summaryPath.lastIndexOf('/')).split('/') : [];
  const out = [...base];
  for (const part of trace.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === base.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}
