import { scaleLinear } from 'd3';
import { kneePoint, minMaxInverted, normalisationWorking, type ThresholdRule } from '../../../real';
import { ScoreScatter } from '../ScoreScatter';
import { Num } from './Num';
import { TokenChooser } from './TokenChooser';
import { tokenText } from '../../token-words';
import type { Explained } from './use-explained';

function ruleText(rule: ThresholdRule, of: string): string {
  switch (rule.rule) {
    case 'median':
      return `the median of the ${of} values`;
    case 'knee':
      return `the knee (maximum curvature) of the ${of} values sorted ascending`;
    case 'mean':
      return `the mean of the ${of} values`;
    case 'fixed':
      return 'fixed';
  }
}

/** Step 5: min–max normalisation over the answer's reasoning tokens, the thresholds, and who passes both. */
export function StepThresholds({ ex }: { ex: Explained }) {
  const { trace, prepared, score, settings, chosen, r } = ex;
  const n = normalisationWorking(prepared);
  const t = r >= 0 ? score.tokens[r] : null;
  const kept = score.tokens.filter((x) => x.selected).length;
  return (
    <div className="step-two">
      <div className="figures">
        <ScoreScatter />
        {settings.tauI.rule === 'knee' && <KneePlot values={minMaxInverted(prepared.sI)} tau={score.tauI} />}
      </div>
      <div>
        <p>
          Over the {prepared.reasoning.length} reasoning tokens S_T runs from <Num value={n.sT.min} /> to{' '}
          <Num value={n.sT.max} /> and S_I from <Num value={n.sI.min} /> to <Num value={n.sI.max} />. Both are
          rescaled to 0…1, entropy inverted so that concentrated is high.
        </p>
        {t && chosen !== null && (
          <>
            <TokenChooser ex={ex} />
            <p>
              For “{tokenText(trace, chosen)}”: Ŝ_T = (S_T − min) / (max − min) = (<Num value={t.sT} /> −{' '}
              <Num value={n.sT.min} />) / (<Num value={n.sT.max} /> − <Num value={n.sT.min} />) ={' '}
              <strong>
                <Num value={t.sTNorm} testId="explain.sTNorm" />
              </strong>
              ; Ŝ_I = (max − S_I) / (max − min) = (<Num value={n.sI.max} /> − <Num value={t.sI} />) / (
              <Num value={n.sI.max} /> − <Num value={n.sI.min} />) ={' '}
              <strong>
                <Num value={t.sINorm} testId="explain.sINorm" />
              </strong>
              {n.sT.max === n.sT.min || n.sI.max === n.sI.min ? ' (where max = min, every value is 1)' : ''}.
            </p>
          </>
        )}
        <p>
          τ_t is {ruleText(settings.tauT, 'Ŝ_T')}: <Num value={score.tauT} testId="explain.tauT" />. τ_i is{' '}
          {ruleText(settings.tauI, 'Ŝ_I')}: <Num value={score.tauI} testId="explain.tauI" />.
        </p>
        {t && (
          <p className="result" data-testid="explain.kept" data-value={String(t.selected)}>
            Ŝ_T {t.sTNorm >= score.tauT ? '≥' : '<'} τ_t and Ŝ_I {t.sINorm >= score.tauI ? '≥' : '<'} τ_i:{' '}
            {t.selected ? 'kept (in the shaded corner of the scatter)' : 'not kept'}.
          </p>
        )}
        <p>
          <strong data-testid="explain.kept-count" data-value={kept}>
            {kept}
          </strong>{' '}
          of {score.tokens.length} tokens pass both thresholds.
        </p>
      </div>
    </div>
  );
}

const W = 260;
const H = 190;
const M = { left: 30, right: 8, top: 8, bottom: 28 };

/** τ_i's knee: the sorted Ŝ_I values against the diagonal, the point farthest from it marked. */
function KneePlot({ values, tau }: { values: ArrayLike<number>; tau: number }) {
  const { sorted, k } = kneePoint(values);
  if (sorted.length < 2) return null;
  const x = scaleLinear()
    .domain([0, sorted.length - 1])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([sorted[0], sorted[sorted.length - 1] || 1])
    .range([H - M.bottom, M.top]);
  return (
    <figure className="chart small">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        role="img"
        aria-label={`The Ŝ_I values sorted ascending; the knee is at τ_i = ${tau}`}
        data-testid="explain.knee"
      >
        <line
          x1={x(0)}
          y1={y.range()[0]}
          x2={x(sorted.length - 1)}
          y2={y.range()[1]}
          stroke="#aab4c0"
          strokeDasharray="4 3"
        />
        <polyline
          points={sorted.map((v, i) => `${x(i)},${y(v)}`).join(' ')}
          fill="none"
          stroke="#3a475a"
          strokeWidth={1.5}
        />
        {k !== null && <circle cx={x(k)} cy={y(sorted[k])} r={5} fill="#c0392b" />}
        <text x={(M.left + W - M.right) / 2} y={H - 8} textAnchor="middle" fontSize={11}>
          tokens, sorted by Ŝ_I
        </text>
      </svg>
      <figcaption className="hint">
        {k === null
          ? 'Fewer than 3 distinct values: the median stands in.'
          : `the knee: value ${k + 1} of ${sorted.length}`}
      </figcaption>
    </figure>
  );
}
