import { useState } from 'react';
import { consistencyReward } from '../../real';
import { selectToken, useAppStore } from '../store';
import { useScore } from '../use-scores';

/** CGRO's consistency: the top-k tokens, their 95th-percentile supports' Jaccard index, and the reward for a label. */
export function CgroPanel() {
  const score = useScore();
  const trace = useAppStore((s) => s.run.trace);
  const s = useAppStore((st) => st.view.settings);
  const [label, setLabel] = useState<0 | 1>(trace?.label ?? 1);
  if (!score || !trace) return null;
  const c = score.consistency;
  return (
    <section className="panel" data-testid="cgro">
      <h3>Consistency (CGRO)</h3>
      {c.topK.length === 0 ? (
        <p className="warning">No token has a weight above 0, so there is no top-k and J = 0.</p>
      ) : (
        <p>
          top {c.topK.length}:{' '}
          {c.topK.map((i) => (
            <button key={i} className="linklike" onClick={() => selectToken(i)}>
              {trace.generated[i].text.trim()}
            </button>
          ))}
        </p>
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
