import { scaleLinear } from 'd3';
import { memo } from 'react';
import { selectToken, useAppStore } from '../store';
import { useScore } from '../use-scores';
import { STAGES, useStage } from '../use-stage';

const W = 280;
const H = 220;
const M = { left: 36, right: 10, top: 10, bottom: 32 };

interface PointProps {
  index: number;
  cx: number;
  cy: number;
  kept: boolean;
  current: boolean;
  label: string;
}

/** One token's point; memoised, so a selection re-renders two points, not all. */
const Point = memo(function Point({ index, cx, cy, kept, current, label }: PointProps) {
  return (
    <circle
      cx={cx}
      cy={cy}
      r={current ? 6 : 4}
      fill={kept ? '#c0392b' : '#7f8c9a'}
      stroke={current ? '#000' : 'none'}
      onClick={() => selectToken(index)}
      data-testid="scatter.point"
      style={{ cursor: 'pointer' }}
    >
      <title>{label}</title>
    </circle>
  );
});

/** Ŝ_T against Ŝ_I for every reasoning token, with the τ_t and τ_i lines; points select tokens. */
export function ScoreScatter() {
  const score = useScore();
  const trace = useAppStore((s) => s.run.trace);
  const selected = useAppStore((s) => s.view.selected);
  const ready = useStage(STAGES.scatter);
  if (!score || !trace || score.tokens.length === 0 || !ready) return null;
  const x = scaleLinear()
    .domain([0, 1])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([0, 1])
    .range([H - M.bottom, M.top]);
  return (
    <section className="panel">
      <h2>Scores of the reasoning tokens</h2>
      <svg
        width={W}
        height={H}
        data-testid="scatter"
        role="img"
        aria-label={`Ŝ_T against Ŝ_I for the ${score.tokens.length} reasoning tokens, with τ_t = ${score.tauT.toFixed(2)} and τ_i = ${score.tauI.toFixed(2)}; the ${score.tokens.filter((t) => t.selected).length} kept by ReAL in red`}
      >
        <rect
          x={x(score.tauT)}
          y={y(1)}
          width={x(1) - x(score.tauT)}
          height={y(score.tauI) - y(1)}
          fill="#fde7e7"
        />
        <line x1={x(score.tauT)} x2={x(score.tauT)} y1={y(0)} y2={y(1)} stroke="#b00" strokeDasharray="4 3" />
        <line x1={x(0)} x2={x(1)} y1={y(score.tauI)} y2={y(score.tauI)} stroke="#b00" strokeDasharray="4 3" />
        {[0, 0.5, 1].map((t) => (
          <g key={t} fontSize={10} fill="#556">
            <text x={x(t)} y={H - M.bottom + 14} textAnchor="middle">
              {t}
            </text>
            <text x={M.left - 6} y={y(t) + 3} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" fontSize={11}>
          Ŝ_T (τ_t = {score.tauT.toFixed(2)})
        </text>
        <text transform={`translate(11 ${(H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle" fontSize={11}>
          Ŝ_I (τ_i = {score.tauI.toFixed(2)})
        </text>
        {score.tokens.map((t) => (
          <Point
            key={t.index}
            index={t.index}
            cx={x(t.sTNorm)}
            cy={y(t.sINorm)}
            kept={t.selected}
            current={selected === t.index}
            label={`${trace.generated[t.index].text.trim()} (token ${t.index}): Ŝ_T ${t.sTNorm.toFixed(3)}, Ŝ_I ${t.sINorm.toFixed(3)}`}
          />
        ))}
      </svg>
    </section>
  );
}
