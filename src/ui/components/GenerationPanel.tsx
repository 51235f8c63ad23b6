import { patchGeneration, useAppStore } from '../store';
import { NumberInput } from './NumberInput';

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
            <NumberInput
              value={g.maxNewTokens ?? maxDefault ?? ''}
              min={1}
              max={1024}
              integer
              fallback={1}
              onChange={(maxNewTokens) => patchGeneration({ maxNewTokens })}
            />
          </label>
          <label>
            temperature{' '}
            <NumberInput
              value={g.temperature}
              min={0}
              step={0.1}
              fallback={0}
              width="4em"
              title="0 is greedy"
              onChange={(temperature) => patchGeneration({ temperature })}
            />
          </label>
          <label>
            top-p{' '}
            <NumberInput
              value={g.topP}
              min={0.01}
              max={1}
              step={0.05}
              fallback={1}
              width="4em"
              onChange={(topP) => patchGeneration({ topP })}
            />
          </label>
          <label>
            seed{' '}
            <NumberInput value={g.seed} integer fallback={0} onChange={(seed) => patchGeneration({ seed })} />
          </label>
        </div>
      </details>
    </section>
  );
}
