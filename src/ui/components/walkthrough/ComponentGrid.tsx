import { schemeTableau10 } from 'd3';
import type { EntropyWorking } from '../../../real';

const SIZE = 240;

/**
 * A token's map binarised at its mean: cells above it filled in their
 * component's colour, each 8-connected component outlined and numbered as in
 * the table (largest mass first); cells at or below the mean are grey.
 */
export function ComponentGrid({ working }: { working: EntropyWorking }) {
  const { rows, cols, labels, components } = working;
  const cell = SIZE / Math.max(rows, cols);
  const width = cell * cols;
  const height = cell * rows;
  const rank = new Map(components.map((c, k) => [c.label, k]));
  const colour = (label: number) => schemeTableau10[(rank.get(label) ?? 0) % 10];
  // One outline per component: the sides of its cells that face another label (or the edge).
  const edges = new Map<number, string[]>();
  const centre = new Map<number, { x: number; y: number; n: number }>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l < 0) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    const x = c * cell;
    const y = r * cell;
    const at = (rr: number, cc: number) =>
      rr < 0 || rr >= rows || cc < 0 || cc >= cols ? -2 : labels[rr * cols + cc];
    const d = edges.get(l) ?? [];
    if (at(r - 1, c) !== l) d.push(`M${x} ${y}h${cell}`);
    if (at(r + 1, c) !== l) d.push(`M${x} ${y + cell}h${cell}`);
    if (at(r, c - 1) !== l) d.push(`M${x} ${y}v${cell}`);
    if (at(r, c + 1) !== l) d.push(`M${x + cell} ${y}v${cell}`);
    edges.set(l, d);
    const m = centre.get(l) ?? { x: 0, y: 0, n: 0 };
    centre.set(l, { x: m.x + x + cell / 2, y: m.y + y + cell / 2, n: m.n + 1 });
  }
  const numbered = components.slice(0, 20);
  return (
    <svg
      viewBox={`-2 -2 ${width + 4} ${height + 4}`}
      width={width + 4}
      className="component-grid"
      role="img"
      aria-label={`The map binarised at its mean: ${working.on.filter(Boolean).length} cells above it, in ${components.length} connected components`}
      data-testid="explain.components"
      data-count={components.length}
    >
      {Array.from(labels, (l, i) => (
        <rect
          key={i}
          x={(i % cols) * cell}
          y={Math.floor(i / cols) * cell}
          width={cell}
          height={cell}
          fill={l < 0 ? '#e9ecf0' : colour(l)}
          fillOpacity={l < 0 ? 1 : 0.55}
        />
      ))}
      {[...edges].map(([l, d]) => (
        <path key={l} d={d.join('')} stroke={colour(l)} strokeWidth={2} fill="none" />
      ))}
      {numbered.map((c, k) => {
        const m = centre.get(c.label)!;
        return (
          <text
            key={c.label}
            x={m.x / m.n}
            y={m.y / m.n}
            textAnchor="middle"
            dominantBaseline="central"
            fontSize={Math.max(9, Math.min(16, cell * 0.9))}
            fontWeight="bold"
            fill="#111"
          >
            {k + 1}
          </text>
        );
      })}
    </svg>
  );
}
