import { create } from 'zustand';

/**
 * "Explain this run": whether the walkthrough is open, which step it shows
 * and whether it is in presentation mode (large type, only the step's
 * panels). `?explain=N` opens it at step N (1-based), `&present=1` presents:
 * a teacher can bookmark a step.
 */
export const STEP_COUNT = 7;

interface WalkthroughState {
  open: boolean;
  step: number;
  presenting: boolean;
}

function fromUrl(): WalkthroughState {
  const q = new URLSearchParams(typeof location === 'undefined' ? '' : location.search);
  const n = Number(q.get('explain'));
  const open = Number.isInteger(n) && n >= 1;
  return {
    open,
    step: open ? Math.min(n, STEP_COUNT) - 1 : 0,
    presenting: open && q.get('present') === '1',
  };
}

export const useWalkthrough = create<WalkthroughState>(fromUrl);

export const clampStep = (step: number) => Math.max(0, Math.min(STEP_COUNT - 1, step));

export function openWalkthrough(step = useWalkthrough.getState().step): void {
  useWalkthrough.setState({ open: true, step: clampStep(step) });
}

export function closeWalkthrough(): void {
  useWalkthrough.setState({ open: false, presenting: false });
}

export function goToStep(step: number): void {
  useWalkthrough.setState({ step: clampStep(step) });
}

export function moveStep(by: 1 | -1): void {
  goToStep(useWalkthrough.getState().step + by);
}

export function setPresenting(presenting: boolean): void {
  useWalkthrough.setState({ presenting, open: useWalkthrough.getState().open || presenting });
}
