import { patchGeneration, useAppStore } from '../store';

/** The question (the paper's fixed one by default, editable) and how tokens are chosen. */
export function GenerationPanel() {
  const g = useAppStore((s) => s.generation);
  const modelQuestion =
    useAppStore((s) => s.model.info?.question) ?? 'Are there any defects or anomalies in the image?';
  const maxDefault = useAppStore((s) => s.model.info?.maxNewTokens);
  const edited = g.question !== null && g.question !== modelQuestion;
  return (
    <section className="generation">
      <label className="question">
        Prompt{' '}
        <input
          type="text"
          value={g.question ?? modelQuestion}
          onChange={(e) =>
            patchGeneration({ question: e.target.value === modelQuestion ? null : e.target.value })
          }
          data-testid="prompt.question"
          size={48}
        />
        {edited && (
          <button onClick={() => patchGeneration({ question: null })} title="back to the paper's question">
            reset
          </button>
        )}
      </label>
      {edited && (
        <p className="hint">
          ReAL’s S_T reads attention to the anomaly words in the prompt; a question without them gives every
          token S_T = 0.
        </p>
      )}
      <details>
        <summary>Sampling</summary>
        <div className="row">
          <label>
            max tokens{' '}
            <input
              type="number"
              min={1}
              max={1024}
              value={g.maxNewTokens ?? maxDefault ?? ''}
              onChange={(e) =>
                patchGeneration({ maxNewTokens: Math.max(1, Math.round(Number(e.target.value)) || 1) })
              }
              style={{ width: '5em' }}
            />
          </label>
          <label>
            temperature{' '}
            <input
              type="number"
              min={0}
              step={0.1}
              value={g.temperature}
              onChange={(e) => patchGeneration({ temperature: Math.max(0, Number(e.target.value) || 0) })}
              style={{ width: '4em' }}
              title="0 is greedy"
            />
          </label>
          <label>
            top-p{' '}
            <input
              type="number"
              min={0.01}
              max={1}
              step={0.05}
              value={g.topP}
              onChange={(e) =>
                patchGeneration({ topP: Math.min(1, Math.max(0.01, Number(e.target.value) || 1)) })
              }
              style={{ width: '4em' }}
            />
          </label>
          <label>
            seed{' '}
            <input
              type="number"
              value={g.seed}
              onChange={(e) => patchGeneration({ seed: Math.round(Number(e.target.value)) || 0 })}
              style={{ width: '5em' }}
            />
          </label>
        </div>
      </details>
    </section>
  );
}
