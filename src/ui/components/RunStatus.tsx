import { parseAnswer, answerText } from '../../real';
import { cancelRun } from '../inference-client';
import { useAppStore } from '../store';

/** Progress, the Stop button, the answer and its P(yes), and run errors. */
export function RunStatus() {
  const run = useAppStore((s) => s.run);
  const max = useAppStore((s) => s.model.info?.maxNewTokens ?? 0);
  const n = run.trace?.generated.length ?? 0;
  const answer = run.trace ? parseAnswer(answerText(run.trace)) : null;
  return (
    <div
      className="run-status"
      data-testid="run.status"
      data-state={run.example && run.status !== 'running' ? 'example' : run.status}
      // The answer is read out when a run ends; the token count, which changes every token, is not.
      aria-live="polite"
    >
      {run.status === 'running' && (
        <>
          <progress value={n} max={max || undefined} aria-label="Tokens generated" />
          <span aria-hidden="true">
            {n} tokens{max ? ` of at most ${max}` : ''}
          </span>
          <button onClick={cancelRun} data-testid="run.stop">
            Stop
          </button>
        </>
      )}
      {run.status !== 'running' && run.trace && (
        <span data-testid="run.answer">
          {run.example && (
            <span
              className="example-badge"
              data-testid="example.badge"
              title="A run saved with the app, shown until the model has loaded: pick a sample to run it live"
            >
              saved example
            </span>
          )}
          {run.imageName && <>{run.imageName}: </>}
          answer{' '}
          <strong>{answer === 1 ? 'yes (anomalous)' : answer === 0 ? 'no (normal)' : 'not given'}</strong>
          {run.trace.answerProbability !== undefined && (
            <> — P(yes) = {run.trace.answerProbability.toFixed(3)}</>
          )}
          {run.status === 'cancelled' && <> (stopped)</>}
        </span>
      )}
      {run.error && (
        <p className="error" role="alert" data-testid="run.error">
          {run.error}
        </p>
      )}
    </div>
  );
}
