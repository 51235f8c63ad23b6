import { useAppStore } from '../store';
import { useScore } from '../use-scores';

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');

/** The selected token's S_T, S_I, their normalised values, whether ReAL kept it and its weight. */
export function TokenScorePanel() {
  const selected = useAppStore((s) => s.view.selected);
  const trace = useAppStore((s) => s.run.trace);
  const score = useScore();
  if (!trace || !score) return null;
  const head = (
    <>
      <h2>Token scores</h2>
      <p className="thresholds" data-testid="scores.thresholds">
        τ_t = {f(score.tauT)}, τ_i = {f(score.tauI)}; {score.tokens.filter((t) => t.selected).length} of{' '}
        {score.tokens.length} reasoning tokens kept
      </p>
    </>
  );
  if (selected === null)
    return (
      <section className="panel">
        {head}
        <p>Click a token to see its scores.</p>
      </section>
    );
  const t = score.tokens.find((x) => x.index === selected);
  if (!t) {
    return (
      <section className="panel" data-testid="scores.panel">
        {head}
        <p>
          “{trace.generated[selected]?.text}” is not a reasoning token (
          {trace.generated[selected]?.special ? 'special token' : 'outside the think span'}
          ), so it has no ReAL score.
        </p>
      </section>
    );
  }
  return (
    <section className="panel" data-testid="scores.panel">
      {head}
      <table className="scores">
        <tbody>
          <tr>
            <th>S_T (attention to anomaly words)</th>
            <td data-testid="scores.sT">{f(t.sT)}</td>
            <th>Ŝ_T</th>
            <td>{f(t.sTNorm)}</td>
          </tr>
          <tr>
            <th>S_I (spatial entropy)</th>
            <td data-testid="scores.sI">{f(t.sI)}</td>
            <th>Ŝ_I</th>
            <td>{f(t.sINorm)}</td>
          </tr>
          <tr>
            <th>kept by ReAL</th>
            <td data-testid="scores.selected">{t.selected ? 'yes' : 'no'}</td>
            <th>weight</th>
            <td data-testid="scores.weight">{f(t.weight)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
