import type { SamplingSettings } from '../../workers/engine/sampling';
import { patchGeneration, patchSampling, useAppStore } from '../store';
import { NumberInput } from './NumberInput';

/** Before a model is loaded: transformers' defaults (greedy, no penalty). */
const NO_MODEL: SamplingSettings = { greedy: true, repetitionPenalty: 1, temperature: 1, topK: 50, topP: 1 };

/** "temperature 0.6, top-k 20, top-p 0.95": the sampling settings in words. */
function samplingWords(s: SamplingSettings): string {
  return [
    `temperature ${s.temperature}`,
    s.topK > 0 ? `top-k ${s.topK}` : 'no top-k',
    s.topP < 1 ? `top-p ${s.topP}` : 'no top-p',
  ].join(', ');
}

function SeedField() {
  const seed = useAppStore((s) => s.generation.seed);
  const last = useAppStore((s) => s.run.trace?.generation);
  return (
    <>
      <label>
        seed{' '}
        <input
          type="text"
          inputMode="numeric"
          size={10}
          placeholder="new each run"
          value={seed ?? ''}
          data-testid="generation.seed"
          title="empty: a new seed for each sampled run; the run's trace saves the one it used"
          onChange={(e) => {
            const v = e.target.value.trim();
            const n = Number(v);
            if (v === '') patchGeneration({ seed: null });
            else if (/^\d+$/.test(v) && n <= 2 ** 32 - 1) patchGeneration({ seed: n });
          }}
        />
      </label>
      {last && !last.greedy && (
        <span className="hint" data-testid="generation.last-seed">
          last run: seed {last.seed}{' '}
          {seed !== last.seed && (
            <button onClick={() => patchGeneration({ seed: last.seed })} title="run it again the same way">
              use it
            </button>
          )}
        </span>
      )}
    </>
  );
}

/** The question (the paper's fixed one by default, editable) and how tokens are chosen. */
export function GenerationPanel() {
  const g = useAppStore((s) => s.generation);
  const info = useAppStore((s) => s.model.info);
  const modelQuestion = info?.question ?? 'Are there any defects or anomalies in the image?';
  const own = info?.sampling ?? NO_MODEL;
  const from = !info || info.samplingFrom === 'defaults' ? 'no generation config' : info.samplingFrom;
  const s: SamplingSettings = { ...own, ...g.sampling };
  const changed = Object.keys(g.sampling).length > 0;
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
      <div className="row">
        <label title="the most probable token at each step: the same answer every run">
          <input
            type="checkbox"
            checked={s.greedy}
            data-testid="generation.greedy"
            onChange={(e) => patchSampling({ greedy: e.target.checked })}
          />{' '}
          greedy
        </label>
        <label title="transformers applies it greedy or not: tokens already in the sequence, the prompt's too, lose logit">
          repetition penalty{' '}
          <NumberInput
            value={s.repetitionPenalty}
            min={0.01}
            max={100}
            step={0.01}
            fallback={1}
            width="4.5em"
            testId="generation.repetition-penalty"
            onChange={(repetitionPenalty) => patchSampling({ repetitionPenalty })}
          />
        </label>
        {changed && (
          <button onClick={() => patchGeneration({ sampling: {} })} title={`back to ${from}`}>
            model's settings
          </button>
        )}
      </div>
      <p className="hint" data-testid="generation.source">
        {s.greedy
          ? `Greedy${s.repetitionPenalty !== 1 ? `, repetition penalty ${s.repetitionPenalty}` : ''}.`
          : `Sampling: ${samplingWords(s)}${s.repetitionPenalty !== 1 ? `, repetition penalty ${s.repetitionPenalty}` : ''}.`}{' '}
        The model’s own ({from}): {own.greedy ? 'greedy' : `sampling, ${samplingWords(own)}`}
        {own.repetitionPenalty !== 1 ? `, repetition penalty ${own.repetitionPenalty}` : ''}.
      </p>
      <details>
        <summary>Sampling</summary>
        <div className="row">
          <label>
            max tokens{' '}
            <NumberInput
              value={g.maxNewTokens ?? info?.maxNewTokens ?? ''}
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
              value={s.temperature}
              min={0}
              max={100}
              step={0.1}
              fallback={0}
              width="4em"
              title="when not greedy; 0 is greedy"
              testId="generation.temperature"
              onChange={(temperature) => patchSampling({ temperature })}
            />
          </label>
          <label>
            top-k{' '}
            <NumberInput
              value={s.topK}
              min={0}
              integer
              fallback={0}
              width="4em"
              title="when not greedy; 0 keeps every token"
              onChange={(topK) => patchSampling({ topK })}
            />
          </label>
          <label>
            top-p{' '}
            <NumberInput
              value={s.topP}
              min={0.01}
              max={1}
              step={0.05}
              fallback={1}
              width="4em"
              title="when not greedy; 1 keeps every token"
              onChange={(topP) => patchSampling({ topP })}
            />
          </label>
          <SeedField />
        </div>
      </details>
    </section>
  );
}
