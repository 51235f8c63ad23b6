import { useEffect } from 'react';
import { useGalleryList, pairedRows } from '../../run-set/gallery-list';
import { outcomeOf, OUTCOME_LABELS } from '../../run-set/gallery-rows';
import { stepRow } from '../../run-set/run-set-client';
import { setMode, useRunSets } from '../../run-set/run-set-store';
import { openPairFromSets } from '../../compare/compare-client';
import { useWalkthrough } from '../../walkthrough-store';
import { fmt } from './GalleryTile';

/** Keys typed into a control (a slider, a list, a field) are the control's, not the gallery's. */
function ownsArrows(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return !!el.closest('input, select, textarea, [role="listbox"], [role="slider"], [contenteditable="true"]');
}

/**
 * Above the inspector, for a run opened from the gallery: where it is in the
 * gallery's list, back to the gallery (its place kept), ← / → to the
 * previous and next run of the filtered list, and, when a second set has the
 * same image, the two side by side.
 */
export function GalleryBar() {
  const opened = useRunSets((s) => s.place.opened);
  const list = useGalleryList();
  const b = pairedRows(useRunSets((s) => s.sets.B?.rows));
  const explaining = useWalkthrough().open;
  const at = list.findIndex((r) => r.trace === opened);
  const row = at >= 0 ? list[at] : null;
  useEffect(() => {
    if (!opened || explaining) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || ownsArrows(e.target)) return;
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        stepRow(e.key === 'ArrowRight' ? 1 : -1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [opened, explaining]);
  if (!opened) return null;
  const pair = row ? b?.get(row.id) : undefined;
  return (
    <nav className="gallery-bar panel" aria-label="Run set" data-testid="gallery-bar">
      <button onClick={() => setMode('gallery')} data-testid="gallery-bar.back">
        ← Back to the gallery
      </button>
      <button
        onClick={() => stepRow(-1)}
        disabled={at <= 0}
        aria-label="Previous run"
        data-testid="gallery-bar.prev"
      >
        ‹
      </button>
      <span data-testid="gallery-bar.place">
        {at >= 0 ? `${at + 1} of ${list.length}` : 'not in the filtered list'}
      </span>
      <button
        onClick={() => stepRow(1)}
        disabled={at < 0 || at >= list.length - 1}
        aria-label="Next run"
        data-testid="gallery-bar.next"
      >
        ›
      </button>
      {row && (
        <span className="hint" data-testid="gallery-bar.row">
          {row.id}: {OUTCOME_LABELS[outcomeOf(row)]}, P(yes) {fmt(row.pYes)}, pixel AUROC{' '}
          {fmt(row.pixelAuroc)} (← / → step through the list)
        </span>
      )}
      {row && pair && (
        <button onClick={() => void openPairFromSets(row.id)} data-testid="gallery-bar.compare">
          Side by side with B ({outcomeOf(pair)})
        </button>
      )}
    </nav>
  );
}
