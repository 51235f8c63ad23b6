/**
 * Spatial entropy S_I (Eq. 3): binarise a token's image-attention grid at its
 * mean (cells strictly above the mean are 1), find the 8-connected components
 * of the 1-cells, and take the entropy of the attention mass over them.
 */

/**
 * Labels 8-connected components of the cells where `on[i]` is true (or
 * non-zero: a 0/1 mask works too).
 * Returns one label per cell (-1 for off cells) and the component count.
 */
export function connectedComponents8(
  on: ArrayLike<boolean | number>,
  rows: number,
  cols: number,
): { labels: Int32Array; count: number } {
  const labels = new Int32Array(rows * cols).fill(-1);
  const stack: number[] = [];
  let count = 0;
  for (let start = 0; start < rows * cols; start++) {
    if (!on[start] || labels[start] !== -1) continue;
    labels[start] = count;
    stack.push(start);
    while (stack.length > 0) {
      const cell = stack.pop()!;
      const r = (cell / cols) | 0;
      const c = cell - r * cols;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
          const next = rr * cols + cc;
          if (on[next] && labels[next] === -1) {
            labels[next] = count;
            stack.push(next);
          }
        }
      }
    }
    count++;
  }
  return { labels, count };
}

/**
 * The cells strictly above the grid's mean. Summation rounds: a flat map's
 * computed mean can fall an ulp below its values and mark every cell "above",
 * turning the most diffuse map into one component. So "above" means above by
 * more than 1e-9 of the largest value, far below the resolution of float32
 * attention (≈6e-8 relative).
 */
export function aboveMean(map: ArrayLike<number>): boolean[] {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < map.length; i++) {
    sum += map[i];
    max = Math.max(max, Math.abs(map[i]));
  }
  const m = sum / map.length;
  const tolerance = 1e-9 * max;
  return Array.from(map, (v) => v - m > tolerance);
}

/** Each component's attention mass and cell count, and the mass in all of them. */
export function componentMasses(
  map: ArrayLike<number>,
  labels: Int32Array,
  count: number,
): { mass: Float64Array; cells: Int32Array; total: number } {
  const mass = new Float64Array(count);
  const cells = new Int32Array(count);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    mass[labels[i]] += map[i];
    cells[labels[i]]++;
    total += map[i];
  }
  return { mass, cells, total };
}

/** −Σ P(C_i) ln P(C_i) over the components' masses; ln(rows·cols) when there is no mass (a flat map). */
export function entropyOfMasses(mass: Float64Array, total: number, rows: number, cols: number): number {
  if (mass.length === 0 || total <= 0) return Math.log(rows * cols);
  let h = 0;
  for (const m of mass) {
    const p = m / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/**
 * S_I(r) = −Σ P(C_i) ln P(C_i), P(C_i) the attention mass in component C_i
 * over the mass in all components. A flat map (no cell above the mean) gets
 * ln(rows·cols), the most diffuse value.
 */
export function spatialEntropy(map: ArrayLike<number>, rows: number, cols: number): number {
  const { labels, count } = connectedComponents8(aboveMean(map), rows, cols);
  const { mass, total } = componentMasses(map, labels, count);
  return entropyOfMasses(mass, total, rows, cols);
}
