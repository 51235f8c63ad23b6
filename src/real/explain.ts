import { meanAtPositions, resolveLayers, rowsForToken } from './attention';
import { aboveMean, componentMasses, connectedComponents8, entropyOfMasses } from './entropy';
import { minAndMax } from './normalize';
import type { PrepareSettings, PreparedTrace, RealScore } from './score';
import { layerCount, type AnyTrace } from './trace/types';

/**
 * The method's steps worked out on one run, for the "Explain this run"
 * walkthrough: every intermediate number the scorer uses but does not keep
 * (the mean a map is binarised at, each component's mass and entropy term,
 * the min and max of the normalisation, the knee, the map after each kept
 * token). Each is derived here from the same inputs as the scorer and the
 * tests check that they add up to the scorer's S_T, S_I, τ, map and J.
 */

/** One anomaly-word position and the attention token r pays it (a term of Eq. 2). */
export interface AnomalyTerm {
  position: number;
  text: string;
  attention: number;
}

/** S_T(r) term by term: the attention of generated token `index` to each anomaly-word position. */
export function anomalyTerms(
  trace: AnyTrace,
  index: number,
  anomalyPositions: readonly number[],
  settings: Pick<PrepareSettings, 'layers' | 'rowReading'>,
): AnomalyTerm[] {
  const layers = resolveLayers(settings.layers, layerCount(trace));
  const values = meanAtPositions(rowsForToken(trace, index, settings.rowReading), anomalyPositions, layers);
  const text = new Map(trace.prompt.map((t) => [t.position, t.text]));
  return anomalyPositions.map((position, i) => ({
    position,
    text: text.get(position) ?? '',
    attention: values[i],
  }));
}

export interface ComponentWorking {
  /** The component's label in `labels`. */
  label: number;
  cells: number;
  /** Attention mass in the component. */
  mass: number;
  /** P(C_i): its mass over the mass in all components. */
  p: number;
  /** −P(C_i) ln P(C_i). */
  term: number;
}

export interface EntropyWorking {
  rows: number;
  cols: number;
  /** The map's mean: cells above it are 1. */
  mean: number;
  on: boolean[];
  /** Component label per cell, −1 for cells not above the mean. */
  labels: Int32Array;
  /** Largest first. */
  components: ComponentWorking[];
  massInComponents: number;
  /** No cell above the mean: S_I is ln(rows·cols), the most diffuse value. */
  flat: boolean;
  /** Σ of the terms (or ln(rows·cols) when flat): S_I (Eq. 3). */
  entropy: number;
}

/** Eq. 3 worked out on one token's grid map. */
export function entropyWorking(map: ArrayLike<number>, rows: number, cols: number): EntropyWorking {
  let sum = 0;
  for (let i = 0; i < map.length; i++) sum += map[i];
  const on = aboveMean(map);
  const { labels, count } = connectedComponents8(on, rows, cols);
  const { mass, cells, total } = componentMasses(map, labels, count);
  const flat = count === 0 || total <= 0;
  const components: ComponentWorking[] = [];
  for (let c = 0; c < count; c++) {
    const p = flat ? 0 : mass[c] / total;
    components.push({ label: c, cells: cells[c], mass: mass[c], p, term: p > 0 ? -p * Math.log(p) : 0 });
  }
  components.sort((a, b) => b.mass - a.mass || a.label - b.label);
  return {
    rows,
    cols,
    mean: map.length ? sum / map.length : 0,
    on,
    labels,
    components,
    massInComponents: total,
    flat,
    entropy: entropyOfMasses(mass, total, rows, cols),
  };
}

export interface Range {
  min: number;
  max: number;
}

export interface NormalisationWorking {
  sT: Range;
  sI: Range;
}

/** The min and max the normalisation divides by (section 3). */
export function normalisationWorking(p: Pick<PreparedTrace, 'sT' | 'sI'>): NormalisationWorking {
  return { sT: minAndMax(p.sT), sI: minAndMax(p.sI) };
}

export interface KeptToken {
  /** Index into trace.generated. */
  index: number;
  /** Index into the reasoning tokens (and the prepared maps). */
  r: number;
  weight: number;
}

/** The tokens Eq. 5 sums (w > 0), in the order of the reasoning: the steps of the map's build-up. */
export function keptTokens(score: Pick<RealScore, 'tokens'>): KeptToken[] {
  const kept: KeptToken[] = [];
  score.tokens.forEach((t, r) => t.weight > 0 && kept.push({ index: t.index, r, weight: t.weight }));
  return kept;
}

/** Σ w_r · A_r,I over the first `count` kept tokens (Eq. 5 so far); all of them give the scorer's map. */
export function mapAfter(p: PreparedTrace, kept: readonly KeptToken[], count: number): Float64Array {
  const cells = p.rows * p.cols;
  const out = new Float64Array(cells);
  for (const t of kept.slice(0, count)) {
    const m = p.maps[t.r];
    for (let i = 0; i < cells; i++) out[i] += t.weight * m[i];
  }
  return out;
}
