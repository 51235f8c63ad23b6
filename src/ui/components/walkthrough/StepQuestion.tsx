import { DEFAULT_QUESTION } from '../../../real';
import type { Explained } from './use-explained';

const SHOWN = 400;

/** Step 1: the question, and the prompt tokens that are anomaly words (what S_T will measure attention to). */
export function StepQuestion({ ex }: { ex: Explained }) {
  const { trace, prepared, settings } = ex;
  const anomaly = new Set(prepared.anomalyPositions);
  const image = new Set(trace.imagePositions);
  // The text of the prompt: the image's own tokens are the grid, shown in the next steps.
  const text = trace.prompt.filter((t) => !image.has(t.position));
  return (
    <div className="step-question">
      <p>
        The model is asked <q>{DEFAULT_QUESTION}</q> about the image, which it sees as{' '}
        <strong>
          {trace.grid.rows} × {trace.grid.cols}
        </strong>{' '}
        image tokens (one per cell of the grid the maps are drawn on).
      </p>
      <p className="prompt-tokens" data-testid="explain.prompt">
        {text.slice(0, SHOWN).map((t) => (
          <span
            key={t.position}
            className={`token${anomaly.has(t.position) ? ' anomaly' : ''}${t.text.includes('\n') ? ' newline' : ''}`}
            title={`position ${t.position}`}
          >
            {t.text}
          </span>
        ))}
        {text.length > SHOWN && <span className="hint"> … and {text.length - SHOWN} more tokens</span>}
      </p>
      <p>
        Anomaly words (a setting): <em>{settings.anomalyWords.join(', ')}</em>. In this prompt they are{' '}
        <strong data-testid="explain.anomaly-count" data-value={prepared.anomalyPositions.length}>
          {prepared.anomalyPositions.length}
        </strong>{' '}
        token{prepared.anomalyPositions.length === 1 ? '' : 's'}, at positions{' '}
        <span data-testid="explain.anomaly-positions" data-value={prepared.anomalyPositions.join(',')}>
          {prepared.anomalyPositions.join(', ') || 'none'}
        </span>{' '}
        (highlighted).
      </p>
      {prepared.anomalyPositions.length === 0 && (
        <p className="warning">No anomaly word in this prompt: every S_T is 0.</p>
      )}
    </div>
  );
}
