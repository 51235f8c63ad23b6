import { useAppStore } from '../../store';
import type { Explained } from './use-explained';

/** Step 2: what the model wrote, and which of its tokens are the reasoning tokens ReAL scores. */
export function StepReasoning({ ex }: { ex: Explained }) {
  const { trace, prepared } = ex;
  const running = useAppStore((s) => s.run.status === 'running');
  const reasoning = new Set(prepared.reasoning);
  const tagged = trace.generated.some((g) => g.text.trim() === '<think>');
  return (
    <div>
      <p>
        The model {running ? 'is writing' : 'wrote'}{' '}
        <strong data-testid="explain.generated-count" data-value={trace.generated.length}>
          {trace.generated.length}
        </strong>{' '}
        tokens, streamed one at a time; each came with its attention over every earlier position, the
        image&apos;s cells included. The{' '}
        <strong data-testid="explain.reasoning-count" data-value={prepared.reasoning.length}>
          {prepared.reasoning.length}
        </strong>{' '}
        {tagged ? (
          <>
            between <code>&lt;think&gt;</code> and <code>&lt;/think&gt;</code>
          </>
        ) : (
          'before the answer'
        )}{' '}
        are its reasoning tokens (tags, special and blank tokens excluded): ReAL scores each of them.
      </p>
      <p className="prompt-tokens" data-testid="explain.reasoning">
        {trace.generated.map((g, i) => (
          <span
            key={i}
            className={`token${reasoning.has(i) ? ' reasoning-on' : ' muted'}${g.text.includes('\n') ? ' newline' : ''}`}
            title={`token ${i}`}
          >
            {g.text}
          </span>
        ))}
      </p>
    </div>
  );
}
