import { useEffect, useRef } from 'react';
import { useAppStore } from '../../store';
import { usePrepared } from '../../use-scores';
import {
  closeWalkthrough,
  goToStep,
  moveStep,
  setPresenting,
  STEP_COUNT,
  useWalkthrough,
} from '../../walkthrough-store';
import { StepConsistency } from './StepConsistency';
import { StepEntropy } from './StepEntropy';
import { StepMap } from './StepMap';
import { StepQuestion } from './StepQuestion';
import { StepReasoning } from './StepReasoning';
import { StepRelevance } from './StepRelevance';
import { StepThresholds } from './StepThresholds';
import { ErrorBoundary } from '../ErrorBoundary';
import { STEPS } from './steps';
import { useExplained, type Explained } from './use-explained';

/** Keys typed into a control belong to it (a slider's arrows, a select's), and keys a panel already handled (the token strip's) too. */
function ownsKeys(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return e.defaultPrevented || !!t?.closest('input, select, textarea, [contenteditable="true"]');
}

/**
 * "Explain this run": the method step by step on the run on screen, every
 * number from it (src/real/explain.ts works out what the scorer does not
 * keep). ← and → (or Page Up and Page Down) step back and on; Escape leaves
 * presentation mode, then the walkthrough.
 */
export function Walkthrough() {
  const { step, presenting } = useWalkthrough();
  const ex = useExplained();
  const { error } = usePrepared();
  const label = useAppStore((s) => s.run.trace?.label);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (ownsKeys(e) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowRight' || e.key === 'PageDown') moveStep(1);
      else if (e.key === 'ArrowLeft' || e.key === 'PageUp') moveStep(-1);
      else if (e.key === 'Escape') {
        if (useWalkthrough.getState().presenting) setPresenting(false);
        else closeWalkthrough();
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // Keyboard users land in the walkthrough when it opens, and back on its button when it closes.
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    title.current?.focus();
    return () => {
      // (Not when it only moved into or out of presentation mode.)
      setTimeout(() => {
        if (!useWalkthrough.getState().open)
          document.querySelector<HTMLElement>('[data-testid="explain.open"]')?.focus();
      }, 0);
    };
  }, []);
  const info = STEPS[step];
  return (
    <section
      className={`walkthrough panel${presenting ? ' presenting' : ''}`}
      aria-labelledby="walkthrough-title"
      data-testid="explain"
      data-step={step + 1}
    >
      <div className="walkthrough-head">
        <h2 id="walkthrough-title" ref={title} tabIndex={-1}>
          Explain this run
        </h2>
        <nav aria-label="Walkthrough steps">
          <ol className="step-dots">
            {STEPS.map((s, i) => (
              <li key={s.id}>
                <button
                  onClick={() => goToStep(i)}
                  aria-current={i === step ? 'step' : undefined}
                  aria-label={`Step ${i + 1}: ${s.title}`}
                  data-testid="explain.goto"
                >
                  {i + 1}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <button
          onClick={() => setPresenting(!presenting)}
          aria-pressed={presenting}
          data-testid="explain.present"
          title="Large type and only this step's panels, for a projector"
        >
          {presenting ? 'Leave presentation' : 'Present'}
        </button>
        <button onClick={closeWalkthrough} data-testid="explain.close">
          Close
        </button>
      </div>
      <h3 aria-live="polite" data-testid="explain.title">
        Step {step + 1} of {STEP_COUNT}: {info.title}
      </h3>
      <p className="cite">
        Paper:{' '}
        <a href={info.href} target="_blank" rel="noreferrer" data-testid="explain.equation">
          {info.cite}
        </a>
      </p>
      <div className="step-body" data-testid={`explain.step-${info.id}`}>
        <ErrorBoundary what={`Step ${step + 1}`} resetKey={`${step} ${ex?.trace ? 'run' : ''}`}>
          {ex ? (
            <StepBody id={info.id} ex={ex} label={label} />
          ) : (
            <p>
              {error
                ? `This run cannot be scored: ${error}`
                : 'No scored run yet: run a sample or open a trace.'}
            </p>
          )}
        </ErrorBoundary>
      </div>
      <div className="walkthrough-foot">
        <button onClick={() => moveStep(-1)} disabled={step === 0} data-testid="explain.back">
          ← Back
        </button>
        <button onClick={() => moveStep(1)} disabled={step === STEP_COUNT - 1} data-testid="explain.next">
          Next →
        </button>
        <span className="hint">
          ← → or Page Up / Page Down; Escape {presenting ? 'leaves presentation' : 'closes'}
        </span>
      </div>
    </section>
  );
}

function StepBody({
  id,
  ex,
  label,
}: {
  id: (typeof STEPS)[number]['id'];
  ex: Explained;
  label: 0 | 1 | undefined;
}) {
  switch (id) {
    case 'question':
      return <StepQuestion ex={ex} />;
    case 'reasoning':
      return <StepReasoning ex={ex} />;
    case 'relevance':
      return <StepRelevance ex={ex} />;
    case 'entropy':
      return <StepEntropy ex={ex} />;
    case 'thresholds':
      return <StepThresholds ex={ex} />;
    case 'map':
      return <StepMap ex={ex} />;
    case 'consistency':
      return <StepConsistency ex={ex} label={label} />;
  }
}
