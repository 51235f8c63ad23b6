import { useState } from 'react';
import { filesFromDrop } from '../../run-set/folder-files';
import { useRunSets, setTab, type GalleryTab, type Slot } from '../../run-set/run-set-store';
import { ErrorBoundary } from '../ErrorBoundary';
import { GalleryExport } from './GalleryExport';
import { GalleryFilters } from './GalleryFilters';
import { GalleryGrid } from './GalleryGrid';
import { openFolder, RunSetOpen } from './RunSetOpen';
import { SetNumbersTable } from './SetNumbersTable';
import { SetTokenScatter } from './SetTokenScatter';
import { WordTable } from './WordTable';
import '../../run-set.css';

const TABS: Record<GalleryTab, string> = {
  tiles: 'Failure gallery',
  words: 'Reasoning words',
  tokens: 'S_T against S_I',
};

/**
 * Failure analysis over a whole run set: open a folder of traces (or a
 * `real eval` output), its numbers per category, the filters, and the
 * gallery, the word table or the token scatter. A folder dropped on the
 * view opens as set A (on the B area, as B).
 */
export function RunSetView() {
  const hasA = useRunSets((s) => !!s.sets.A && s.sets.A.rows.length > 0);
  const tab = useRunSets((s) => s.tab);
  const [over, setOver] = useState<Slot | null>(null);
  const drop = (slot: Slot) => ({
    onDragOver: (e: React.DragEvent) => {
      if (!e.dataTransfer.types.includes('Files')) return;
      e.preventDefault();
      e.stopPropagation();
      setOver(slot);
    },
    onDragLeave: () => setOver(null),
    onDrop: (e: React.DragEvent) => {
      e.preventDefault();
      e.stopPropagation();
      setOver(null);
      const dt = e.dataTransfer;
      void openFolder(slot, () => filesFromDrop(dt));
    },
  });
  return (
    <main className={`run-set-view${over ? ' drop-over' : ''}`} {...drop('A')} data-testid="run-set">
      <section className="panel run-set-head" aria-label="Run sets">
        <RunSetOpen slot="A" />
        {hasA && (
          <div className={`drop-b${over === 'B' ? ' over' : ''}`} {...drop('B')}>
            <RunSetOpen slot="B" />
          </div>
        )}
        {!hasA && (
          <p className="hint drop-hint">
            Or drop a folder here. A folder of traces (JSON or .rtrace, in MVTec AD’s layout or any other), or
            the output folder of <code>real eval</code>: its <code>summary.jsonl</code> opens thousands of
            runs without reading their attention.
          </p>
        )}
      </section>
      {hasA && (
        <ErrorBoundary what="The run set’s views" resetKey={tab}>
          <SetNumbersTable />
          <GalleryFilters />
          <div className="row tabs">
            <div role="tablist" aria-label="What to show" className="row">
              {(Object.keys(TABS) as GalleryTab[]).map((t) => (
                <button
                  key={t}
                  role="tab"
                  aria-selected={tab === t}
                  className={tab === t ? 'tab current' : 'tab'}
                  onClick={() => setTab(t)}
                  data-testid={`gallery.tab.${t}`}
                >
                  {TABS[t]}
                </button>
              ))}
            </div>
            <GalleryExport />
          </div>
          <div role="tabpanel" aria-label={TABS[tab]}>
            {tab === 'tiles' ? <GalleryGrid /> : tab === 'words' ? <WordTable /> : <SetTokenScatter />}
          </div>
        </ErrorBoundary>
      )}
    </main>
  );
}
