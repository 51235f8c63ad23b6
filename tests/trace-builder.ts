import type { Trace } from '../src/real';

/**
 * Builds small traces for tests: each generated token is described by its
 * image map and a few other positions' values; the rest of its row is 0.
 */
export interface TokenSpec {
  text: string;
  special?: boolean;
  /** One entry per layer: rows*cols image values. */
  maps?: number[][];
  /** One entry per layer: position → value, for non-image positions. */
  extra?: Record<number, number>[];
}

export interface TraceSpec {
  rows: number;
  cols: number;
  layers: number;
  prompt: string[];
  generated: TokenSpec[];
  promptAttention?: { maps: number[][]; extra?: Record<number, number>[] };
}

function row(
  length: number,
  spec: { maps?: number[][]; extra?: Record<number, number>[] },
  l: number,
  cells: number,
) {
  const out = new Float32Array(length);
  const map = spec.maps?.[l];
  if (map) for (let i = 0; i < cells; i++) out[i] = map[i];
  for (const [p, v] of Object.entries(spec.extra?.[l] ?? {})) out[Number(p)] = v;
  return out;
}

/** Image cells take positions 0..cells-1, then the prompt, then the generated tokens. */
export function buildTrace(spec: TraceSpec): Trace {
  const cells = spec.rows * spec.cols;
  const firstGen = cells + spec.prompt.length;
  const layers = Array.from({ length: spec.layers }, (_, l) => l);
  return {
    format: 'real-trace',
    version: 1,
    model: 'test',
    grid: { rows: spec.rows, cols: spec.cols },
    imagePositions: Array.from({ length: cells }, (_, i) => i),
    prompt: spec.prompt.map((text, i) => ({ position: cells + i, text })),
    generated: spec.generated.map((t, i) => ({
      position: firstGen + i,
      text: t.text,
      special: t.special ?? false,
      attention: layers.map((l) => row(firstGen + i + 1, t, l, cells)),
    })),
    ...(spec.promptAttention
      ? { promptAttention: layers.map((l) => row(firstGen, spec.promptAttention!, l, cells)) }
      : {}),
  };
}

export function oneHot(cells: number, values: Record<number, number>): number[] {
  const m = new Array(cells).fill(0);
  for (const [i, v] of Object.entries(values)) m[Number(i)] = v;
  return m;
}
