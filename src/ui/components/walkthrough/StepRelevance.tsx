import { scaleBand, scaleLinear, schemeTableau10 } from 'd3';
import { useMemo } from 'react';
import { anomalyTerms } from '../../../real';
import { selectToken } from '../../store';
import { Num } from './Num';
import { TokenChooser } from './TokenChooser';
import { tokenText } from '../../token-words';
import type { Explained } from './use-explained';

const W = 640;
const H = 220;
const M = { left: 48, right: 8, top: 8, bottom: 56 };

/**
 * Step 3: S_T (Eq. 2) of every reasoning token as a bar stacked by the
 * anomaly words it attends to, and the chosen token's sum term by term.
 */
export function StepRelevance({ ex }: { ex: Explained }) {
  const { trace, prepared, settings, chosen, r } = ex;
  // Every token's terms, for the stacks (the chosen token's are its table); one colour per anomaly word.
  const stacks = useMemo(
    () => prepared.reasoning.map((i) => anomalyTerms(trace, i, prepared.anomalyPositions, settings)),
    [trace, prepared, settings],
  );
  const terms = r >= 0 ? stacks[r] : [];
  const words = [...new Set((stacks[0] ?? []).map((t) => t.text.trim().toLowerCase()))];
  const colour = (text: string) => schemeTableau10[words.indexOf(text.trim().toLowerCase()) % 10];
  const x = scaleBand<number>()
    .domain(prepared.reasoning.map((_, i) => i))
    .range([M.left, W - M.right])
    .padding(0.15);
  const max = Math.max(1e-12, ...prepared.sT);
  const y = scaleLinear()
    .domain([0, max])
    .range([H - M.bottom, M.top]);
  const labelled = prepared.reasoning.length <= 40;
  return (
    <div className="step-two">
      <figure className="chart">
        <svg
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`S_T of the ${prepared.reasoning.length} reasoning tokens`}
          data-testid="explain.st-bars"
        >
          {y.ticks(4).map((t) => (
            <g key={t} fontSize={10} fill="#445">
              <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="#e3e6ea" />
              <text x={M.left - 4} y={y(t) + 3} textAnchor="end">
                {t}
              </text>
            </g>
          ))}
          {prepared.reasoning.map((index, i) => (
            <g key={index} onClick={() => selectToken(index)} style={{ cursor: 'pointer' }}>
              {
                stacks[i].reduce<{ at: number; parts: React.ReactElement[] }>(
                  (acc, t) => {
                    acc.parts.push(
                      <rect
                        key={t.position}
                        x={x(i)}
                        width={x.bandwidth()}
                        y={y(acc.at + t.attention)}
                        height={y(acc.at) - y(acc.at + t.attention)}
                        fill={colour(t.text)}
                      />,
                    );
                    acc.at += t.attention;
                    return acc;
                  },
                  { at: 0, parts: [] },
                ).parts
              }
              <rect
                x={x(i)}
                width={x.bandwidth()}
                y={y(prepared.sT[i])}
                height={y(0) - y(prepared.sT[i])}
                fill="transparent"
                stroke={index === chosen ? '#000' : 'none'}
                strokeWidth={2}
                data-testid="explain.st-bar"
                data-index={index}
                data-value={prepared.sT[i]}
              >
                <title>{`“${tokenText(trace, index)}” (token ${index}): S_T = ${prepared.sT[i]}`}</title>
              </rect>
              {ex.score.tokens[i].sTNorm >= ex.score.tauT && (
                <rect x={x(i)} width={x.bandwidth()} y={y(0) + 2} height={4} fill="#c0392b" />
              )}
              {labelled && (
                <text
                  transform={`translate(${x(i)! + x.bandwidth() / 2} ${H - M.bottom + 6}) rotate(60)`}
                  fontSize={10}
                  fill={index === chosen ? '#000' : '#445'}
                >
                  {tokenText(trace, index)}
                </text>
              )}
            </g>
          ))}
        </svg>
        <figcaption className="hint">
          Each bar is stacked by the anomaly words:{' '}
          {words.map((w, k) => (
            <span key={w}>
              {k > 0 && ', '}
              <span className="swatch" style={{ background: colour(w) }} /> {w}
            </span>
          ))}
          . A red mark under a bar: Ŝ_T at or above τ_t (step 5). The chosen token is outlined; click a bar to
          choose its token.
        </figcaption>
      </figure>
      {chosen !== null && (
        <div>
          <TokenChooser ex={ex} />
          <p>
            S_T(“{tokenText(trace, chosen)}”) = Σ over the anomaly-word positions e of a_r[e], its attention
            (mean over the layers) to each:
          </p>
          <table className="working" data-testid="explain.st-terms">
            <thead>
              <tr>
                <th scope="col">position</th>
                <th scope="col">token</th>
                <th scope="col">a_r[e]</th>
              </tr>
            </thead>
            <tbody>
              {terms.map((t) => (
                <tr key={t.position}>
                  <td>{t.position}</td>
                  <td>{t.text}</td>
                  <td>
                    <Num value={t.attention} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  S_T
                </th>
                <td>
                  <Num value={prepared.sT[r]} testId="explain.sT" />
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </div>
  );
}
