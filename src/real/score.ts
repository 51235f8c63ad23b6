import { meanAtPositions, resolveLayers, rowsForToken } from './attention';
import { consistency, type Consistency } from './consistency';
import { spatialEntropy } from './entropy';
import { weightedSum } from './map';
import { minMax, minMaxInverted } from './normalize';
import { reasoningTokenIndices } from './reasoning';
import type { RealSettings } from './settings';
import { threshold } from './thresholds';
import { layerCount, type AnyTrace } from './trace/types';
import { MAP_MODES, selected, weights, type MapMode } from './weights';
import { anomalyWordPositions } from './words';

/**
 * Scoring one answer, in two stages so the UI can rescore live:
 * `prepareTrace` does the work that depends on the layers, the row reading
 * and the anomaly words (per-token image maps, S_T, S_I); `scorePrepared`
 * does the cheap rest (normalisation, thresholds, weights, map, CGRO) for
 * α, β, k and the threshold rules.
 */

export interface PreparedTrace {
  rows: number;
  cols: number;
  /** Indices into trace.generated of the reasoning tokens, in order. */
  reasoning: number[];
  anomalyPositions: number[];
  /** A_r,I for each reasoning token: the layer-mean row at the image positions, row-major. */
  maps: Float64Array[];
  /** S_T (Eq. 2) per reasoning token. */
  sT: Float64Array;
  /** S_I (Eq. 3) per reasoning token. */
  sI: Float64Array;
}

export type PrepareSettings = Pick<RealSettings, 'layers' | 'rowReading' | 'anomalyWords'>;

export interface PrepareProgress {
  /** Reasoning tokens done, of `total`. */
  done: number;
  total: number;
}

/**
 * prepareTrace in steps: yields its progress every `chunk` reasoning tokens
 * and returns the prepared trace, so a worker can report progress and stop
 * between steps. The maps share one buffer (reasoning tokens × cells), which
 * a worker can transfer whole.
 */
export function* prepareTraceSteps(
  trace: AnyTrace,
  settings: PrepareSettings,
  chunk = 64,
): Generator<PrepareProgress, PreparedTrace> {
  const { rows, cols } = trace.grid;
  const layers = resolveLayers(settings.layers, layerCount(trace));
  const reasoning = reasoningTokenIndices(trace.generated);
  const anomalyPositions = anomalyWordPositions(trace.prompt, settings.anomalyWords);
  // One gather serves both scores: image cells first, anomaly words after.
  const positions = Int32Array.from([...trace.imagePositions, ...anomalyPositions]);
  const cells = rows * cols;
  const all = new Float64Array(reasoning.length * cells);
  const maps: Float64Array[] = [];
  const sT = new Float64Array(reasoning.length);
  const sI = new Float64Array(reasoning.length);
  for (let r = 0; r < reasoning.length; r++) {
    if (r > 0 && r % chunk === 0) yield { done: r, total: reasoning.length };
    const mean = meanAtPositions(rowsForToken(trace, reasoning[r], settings.rowReading), positions, layers);
    const map = all.subarray(r * cells, (r + 1) * cells);
    map.set(mean.subarray(0, cells));
    let st = 0;
    for (let i = cells; i < mean.length; i++) st += mean[i];
    maps.push(map);
    sT[r] = st;
    sI[r] = spatialEntropy(map, rows, cols);
  }
  return { rows, cols, reasoning, anomalyPositions, maps, sT, sI };
}

export function prepareTrace(trace: AnyTrace, settings: PrepareSettings): PreparedTrace {
  const steps = prepareTraceSteps(trace, settings, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export interface TokenScore {
  /** Index into trace.generated. */
  index: number;
  sT: number;
  sI: number;
  sTNorm: number;
  sINorm: number;
  selected: boolean;
  weight: number;
}

export interface RealScore {
  reasoning: number[];
  tokens: TokenScore[];
  tauT: number;
  tauI: number;
  /** The ReAL map (Eq. 5) on the grid, row-major. */
  map: Float64Array;
  /** Top-k in indices into trace.generated, and their Jaccard index. */
  consistency: Omit<Consistency, 'topK'> & { topK: number[] };
  /** No token passed both thresholds: the map is all zeros (paper's failure case (d)). */
  noneSelected: boolean;
}

export type ScoreSettings = Pick<
  RealSettings,
  'alpha' | 'beta' | 'k' | 'tauT' | 'tauI' | 'supportPercentile'
>;

function normalised(p: PreparedTrace, s: ScoreSettings) {
  const sTNorm = minMax(p.sT);
  const sINorm = minMaxInverted(p.sI);
  // With no reasoning token the spec pins τ_t = τ_i = 0 (every printed number stays finite).
  const tauT = p.reasoning.length ? threshold(sTNorm, s.tauT) : 0;
  const tauI = p.reasoning.length ? threshold(sINorm, s.tauI) : 0;
  return { sTNorm, sINorm, tauT, tauI, alpha: s.alpha, beta: s.beta };
}

export function scorePrepared(p: PreparedTrace, s: ScoreSettings): RealScore {
  const inp = normalised(p, s);
  const keep = selected(inp);
  const w = weights('both', inp);
  const cells = p.rows * p.cols;
  const c = consistency(p.maps, w, s.k, s.supportPercentile);
  return {
    reasoning: p.reasoning,
    tokens: p.reasoning.map((index, r) => ({
      index,
      sT: p.sT[r],
      sI: p.sI[r],
      sTNorm: inp.sTNorm[r],
      sINorm: inp.sINorm[r],
      selected: keep[r],
      weight: w[r],
    })),
    tauT: inp.tauT,
    tauI: inp.tauI,
    map: weightedSum(p.maps, w, cells),
    consistency: { ...c, topK: c.topK.map((r) => p.reasoning[r]) },
    noneSelected: !keep.some(Boolean),
  };
}

/** The four maps of the token-selection ablation (paper table 3, figure 4). */
export function ablationMaps(p: PreparedTrace, s: ScoreSettings): Record<MapMode, Float64Array> {
  const inp = normalised(p, s);
  const cells = p.rows * p.cols;
  const out = {} as Record<MapMode, Float64Array>;
  for (const mode of MAP_MODES) out[mode] = weightedSum(p.maps, weights(mode, inp), cells);
  return out;
}

export function scoreTrace(trace: AnyTrace, settings: RealSettings): RealScore {
  return scorePrepared(prepareTrace(trace, settings), settings);
}
