import { consistencyReward, supportCounts } from '../../../real';
import { CellGrid } from '../CellGrid';
import { SupportGrid } from '../CgroPanel';
import { Num } from './Num';
import { tokenText } from '../../token-words';
import type { Explained } from './use-explained';

/** Step 7: CGRO's consistency (Eq. 6–7): the top-k tokens' supports, their intersection and union, J, and the reward. */
export function StepConsistency({ ex, label }: { ex: Explained; label: 0 | 1 | undefined }) {
  const { trace, score, settings } = ex;
  const c = score.consistency;
  const { intersection, union } = supportCounts(c.supports);
  const y = label ?? 1;
  return (
    <div>
      <p>
        CGRO asks whether the answer&apos;s top k = {settings.k} tokens by weight look at the same place. Each
        token&apos;s support Ω is the set of cells above its map&apos;s {settings.supportPercentile}th
        percentile.
      </p>
      {c.topK.length === 0 ? (
        <p className="warning">No token has a weight above 0: there is no top-k and J = 0.</p>
      ) : (
        <div className="supports big" data-testid="explain.supports">
          {c.supports.map((s, k) => (
            <figure key={k}>
              <SupportGrid
                cells={s}
                rows={trace.grid.rows}
                cols={trace.grid.cols}
                size={120}
                label={`Support of “${tokenText(trace, c.topK[k])}” (token ${c.topK[k]})`}
              />
              <figcaption>
                “{tokenText(trace, c.topK[k])}”: {s.filter(Boolean).length} cells
              </figcaption>
            </figure>
          ))}
          {c.supports.length > 1 && (
            <figure>
              <OverlapGrid supports={c.supports} rows={trace.grid.rows} cols={trace.grid.cols} />
              <figcaption>
                <span className="swatch both" /> in all ({intersection}), <span className="swatch any" /> in
                some
              </figcaption>
            </figure>
          )}
        </div>
      )}
      <p className="result">
        J = |∩ Ω| / |∪ Ω| ={' '}
        <span data-testid="explain.intersection" data-value={intersection}>
          {intersection}
        </span>{' '}
        /{' '}
        <span data-testid="explain.union" data-value={union}>
          {union}
        </span>{' '}
        = <Num value={c.jaccard} testId="explain.jaccard" />
        {c.topK.length < 2 && ' (fewer than two weighted tokens: J = 0 by definition)'}
      </p>
      <p>
        For an image labelled {y === 1 ? 'anomalous' : 'normal'}
        {label === undefined ? ' (the trace has no label; anomalous assumed)' : ''}, R_cons ={' '}
        {y === 1 ? `1{J > δ1 = ${settings.delta1}}` : `1{J < δ2 = ${settings.delta2}}`} ={' '}
        <strong data-testid="explain.reward">
          {consistencyReward(y, c.jaccard, settings.delta1, settings.delta2)}
        </strong>
        : agreeing tokens are rewarded on a defect, disagreeing ones on a normal image.
      </p>
    </div>
  );
}

/** The supports laid over each other: cells in every support (the intersection) dark, in some (the rest of the union) light. */
function OverlapGrid({ supports, rows, cols }: { supports: boolean[][]; rows: number; cols: number }) {
  const fills = supports[0].map((_, i) => {
    const n = supports.filter((s) => s[i]).length;
    return n === 0 ? null : n === supports.length ? '#7b241c' : '#f1948a';
  });
  return (
    <CellGrid
      fills={fills}
      rows={rows}
      cols={cols}
      size={120}
      label="The supports laid over each other: their intersection dark, the rest of their union light"
      testId="explain.overlap"
    />
  );
}
