/**
 * Token weights (Eq. 4) and the token-selection ablation (paper table 3,
 * figure 4). `≥` rather than the paper's `>`: ties at the top are common
 * (every one-component map has S_I = 0, so Ŝ_I = 1), and a strict `>` would
 * drop exactly the most concentrated tokens (see real-method.md).
 */

export type MapMode = 'all' | 'sI' | 'sT' | 'both';

export const MAP_MODES: readonly MapMode[] = ['all', 'sI', 'sT', 'both'];

export const MAP_MODE_LABELS: Record<MapMode, string> = {
  all: 'All tokens',
  sI: 'S_I only',
  sT: 'S_T only',
  both: 'ReAL (S_T and S_I)',
};

export interface WeightInputs {
  sTNorm: ArrayLike<number>;
  sINorm: ArrayLike<number>;
  tauT: number;
  tauI: number;
  alpha: number;
  beta: number;
}

/** 1{Ŝ_T ≥ τ_t and Ŝ_I ≥ τ_i}: whether ReAL keeps each token. */
export function selected(inp: WeightInputs): boolean[] {
  return Array.from(inp.sTNorm, (t, r) => t >= inp.tauT && inp.sINorm[r] >= inp.tauI);
}

export function weights(mode: MapMode, inp: WeightInputs): Float64Array {
  const n = inp.sTNorm.length;
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const t = inp.sTNorm[r];
    const i = inp.sINorm[r];
    switch (mode) {
      case 'all':
        w[r] = 1 / n;
        break;
      case 'sI':
        w[r] = i >= inp.tauI ? i : 0;
        break;
      case 'sT':
        w[r] = t >= inp.tauT ? t : 0;
        break;
      case 'both':
        w[r] = t >= inp.tauT && i >= inp.tauI ? inp.alpha * t + inp.beta * i : 0;
        break;
    }
  }
  return w;
}
