import { extent, scaleLinear } from 'd3';
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useGalleryList } from '../../run-set/gallery-list';

const W = 560;
const H = 420;
const M = { left: 56, right: 14, top: 12, bottom: 40 };

export type Landing = 'inside' | 'outside' | 'none';
const COLOURS: Record<Landing, string> = { inside: '#c0392b', outside: '#2e6db4', none: '#9aa4b1' };
const NAMES: Record<Landing, string> = {
  inside: 'its map lands inside the mask',
  outside: 'outside the mask',
  none: 'no mask (a normal image)',
};

/** Whether a token's map lands inside the mask: at least `share` of its mass inside. */
export const landing = (maskMass: number | null, share: number): Landing =>
  maskMass === null ? 'none' : maskMass >= share ? 'inside' : 'outside';

/**
 * S_T against S_I for every reasoning token of the set (as filtered), each
 * a point coloured by whether its own map lands inside the mask (at least
 * the chosen share of its mass inside); kept tokens are drawn larger. Drawn
 * on a canvas: a set has tens of thousands of tokens.
 */
export function SetTokenScatter() {
  const list = useGalleryList();
  const [share, setShare] = useState(0.5);
  const [scaled, setScaled] = useState<'raw' | 'normalised'>('raw');
  const canvas = useRef<HTMLCanvasElement>(null);
  const points = useMemo(() => {
    const out: { x: number; y: number; kept: boolean; mass: number | null }[] = [];
    for (const r of list)
      for (const t of r.tokens)
        out.push(
          scaled === 'raw'
            ? { x: t.sT, y: t.sI, kept: t.kept, mass: t.maskMass }
            : { x: t.sTNorm, y: t.sINorm, kept: t.kept, mass: t.maskMass },
        );
    return out;
  }, [list, scaled]);
  const x = useMemo(() => {
    const [lo, hi] = extent(points, (p) => p.x);
    return scaleLinear()
      .domain([lo ?? 0, hi ?? 1])
      .nice()
      .range([M.left, W - M.right]);
  }, [points]);
  const y = useMemo(() => {
    const [lo, hi] = extent(points, (p) => p.y);
    return scaleLinear()
      .domain([lo ?? 0, hi ?? 1])
      .nice()
      .range([H - M.bottom, M.top]);
  }, [points]);
  const tally = useMemo(() => {
    const t: Record<Landing, number> = { inside: 0, outside: 0, none: 0 };
    for (const p of points) t[landing(p.mass, share)]++;
    return t;
  }, [points, share]);

  useLayoutEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    ctx.globalAlpha = 0.55;
    // Normal images first, so the masked ones are on top.
    for (const which of ['none', 'outside', 'inside'] as Landing[]) {
      ctx.fillStyle = COLOURS[which];
      for (const p of points) {
        if (landing(p.mass, share) !== which) continue;
        const r = p.kept ? 2.6 : 1.5;
        ctx.fillRect(x(p.x) - r, y(p.y) - r, 2 * r, 2 * r);
      }
    }
  }, [points, share, x, y]);

  const label = `S_T against S_I for ${points.length} reasoning tokens of ${list.length} runs: ${tally.inside} with ${NAMES.inside}, ${tally.outside} ${NAMES.outside}, ${tally.none} without a mask`;
  return (
    <section className="panel set-scatter" aria-label="S_T against S_I" data-testid="set-scatter">
      <h2>S_T against S_I, every reasoning token</h2>
      <div className="row">
        <label>
          Scores{' '}
          <select
            value={scaled}
            onChange={(e) => setScaled(e.target.value as 'raw' | 'normalised')}
            data-testid="set-scatter.scale"
          >
            <option value="raw">raw S_T, S_I</option>
            <option value="normalised">Ŝ_T, Ŝ_I (min–max within each run)</option>
          </select>
        </label>
        <label>
          Inside the mask when at least{' '}
          <input
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={share}
            onChange={(e) => Number.isFinite(e.target.valueAsNumber) && setShare(e.target.valueAsNumber)}
            data-testid="set-scatter.share"
          />{' '}
          of its map’s mass is
        </label>
      </div>
      <div className="stack">
        <canvas
          ref={canvas}
          width={W}
          height={H}
          role="img"
          aria-label={label}
          data-testid="set-scatter.canvas"
        />
        <svg className="overlay" width={W} height={H} aria-hidden="true">
          {x.ticks(5).map((t) => (
            <text key={`x${t}`} x={x(t)} y={H - M.bottom + 14} textAnchor="middle" fontSize={10} fill="#445">
              {t}
            </text>
          ))}
          {y.ticks(5).map((t) => (
            <text key={`y${t}`} x={M.left - 6} y={y(t) + 3} textAnchor="end" fontSize={10} fill="#445">
              {t}
            </text>
          ))}
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} stroke="#889" />
          <line x1={M.left} x2={M.left} y1={M.top} y2={H - M.bottom} stroke="#889" />
          <text x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle" fontSize={12}>
            {scaled === 'raw' ? 'S_T (attention to the anomaly words)' : 'Ŝ_T'}
          </text>
          <text
            transform={`translate(14 ${(H - M.bottom) / 2}) rotate(-90)`}
            textAnchor="middle"
            fontSize={12}
          >
            {scaled === 'raw' ? 'S_I (entropy of the image attention)' : 'Ŝ_I'}
          </text>
        </svg>
      </div>
      <ul className="legend-list" data-testid="set-scatter.legend">
        {(['inside', 'outside', 'none'] as Landing[]).map((k) => (
          <li key={k}>
            <span className="swatch" style={{ background: COLOURS[k] }} /> {NAMES[k]}:{' '}
            <span data-testid={`set-scatter.${k}`}>{tally[k]}</span>
          </li>
        ))}
        <li>larger squares: tokens ReAL keeps</li>
      </ul>
    </section>
  );
}
