import { useState } from 'react';
import { consistencyReward } from '../../real';
import { selectToken, useAppStore } from '../store';
import { useScore } from '../use-scores';
import { useShownTrace } from '../use-shown-trace';
import { STAGES, useStage } from '../use-stage';
import { CellGrid } from './CellGrid';

/** CGRO's consistency: the top-k tokens, their 95th-percentile supports' Jaccard index, and the reward for a label. */
export function CgroPanel() {
  const score = useScore();
  const trace = useShownTrace();
  const s = useAppStore((st) => st.view.settings);
  const [label, setLabel] = useState<0 | 1>(trace?.label ?? 1);
  const ready = useStage(STAGES.cgro);
  if (!score || !trace || !ready) return null;
  const c = score.consistency;
  return (
    <section className="panel" data-testid="cgro">
      <h2>Consistency (CGRO)</h2>
      {c.topK.length === 0 ? (
        <p className="warning">No token has a weight above 0, so there is no top-k and J = 0.</p>
      ) : (
        <p>
          top {c.topK.length}:{' '}
          {c.topK.map((i) => (
            <button
              key={i}
              className="linklike"
              onClick={() => selectToken(i)}
              aria-label={`${trace.generated[i].text.trim() || 'blank'} (token ${i})`}
            >
              {trace.generated[i].text.trim()}
            </button>
          ))}
        </p>
      )}
      {c.supports.length > 0 && (
        <div className="supports" data-testid="cgro.supports">
          {c.supports.map((sup, k) => (
            <figure key={k}>
              <SupportGrid
                cells={sup}
                rows={trace.grid.rows}
                cols={trace.grid.cols}
                label={`Support of “${trace.generated[c.topK[k]].text.trim()}” (token ${c.topK[k]})`}
              />
              <figcaption>{trace.generated[c.topK[k]].text.trim()}</figcaption>
            </figure>
          ))}
        </div>
      )}
      <p>
        Jaccard of their supports J = <strong data-testid="cgro.jaccard">{c.jaccard.toFixed(3)}</strong>
        {c.topK.length < 2 && ' (fewer than two weighted tokens)'}
      </p>
      <label>
        image label{' '}
        <select value={label} onChange={(e) => setLabel(Number(e.target.value) as 0 | 1)}>
          <option value={1}>anomalous</option>
          <option value={0}>normal</option>
        </select>
      </label>{' '}
      R_cons ={' '}
      <strong data-testid="cgro.reward">{consistencyReward(label, c.jaccard, s.delta1, s.delta2)}</strong>
      <span className="hint">
        {' '}
        (δ1 = {s.delta1}, δ2 = {s.delta2})
      </span>
    </section>
  );
}

/** A token's support: the grid cells above its 95th percentile, filled. */
export function SupportGrid({
  cells,
  rows,
  cols,
  label,
  size = 72,
}: {
  cells: boolean[];
  rows: number;
  cols: number;
  label: string;
  size?: number;
}) {
  return (
    <CellGrid
      fills={cells.map((on) => (on ? '#c0392b' : null))}
      rows={rows}
      cols={cols}
      size={size}
      label={`${label}: ${cells.filter(Boolean).length} of ${cells.length} cells above its 95th percentile`}
    />
  );
}
