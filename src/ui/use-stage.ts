import { useSyncExternalStore } from 'react';
import { useAppStore } from './store';

/**
 * When a new trace appears, the panels mount in stages, one task each (the
 * map first, then the token strip, the scatter, the ablation maps, CGRO),
 * instead of all of a 600-token run in one task: no main-thread task long
 * enough to freeze the page (bench:ui counts tasks over 50 ms while a trace
 * opens). Tokens streaming into the same trace do not restage anything.
 */
export const STAGES = { map: 0, tokens: 1, scatter: 2, ablation: 3, cgro: 4 } as const;
const LAST = 4;

let stage: number = LAST;
let seen: unknown = null;
const listeners = new Set<() => void>();

/** Tells listeners, and says on <body data-stages> whether every stage is in (tests wait for "done"). */
function changed(): void {
  listeners.forEach((l) => l());
  if (typeof document !== 'undefined') document.body.dataset.stages = stage >= LAST ? 'done' : 'mounting';
}

function advance(): void {
  stage++;
  // bench/ui-bench.ts tells the stages apart by these marks.
  performance.mark('real:stage', { detail: stage });
  changed();
  if (stage < LAST) setTimeout(advance, 0);
}

useAppStore.subscribe((s) => {
  if (s.run.trace === seen) return;
  seen = s.run.trace;
  if (!seen) return;
  stage = 0;
  changed();
  setTimeout(advance, 0);
});
changed();

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** Whether a panel of stage `n` may render its content yet. */
export function useStage(n: number): boolean {
  return useSyncExternalStore(subscribe, () => stage >= n);
}
