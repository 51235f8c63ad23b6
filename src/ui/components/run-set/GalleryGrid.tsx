import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { GalleryRow } from '../../../workers/run-set-api';
import { pairedRows, useGalleryList } from '../../run-set/gallery-list';
import { outcomeOf } from '../../run-set/gallery-rows';
import { openRow } from '../../run-set/run-set-client';
import { useRunSets } from '../../run-set/run-set-store';
import { useAppStore } from '../../store';
import { GalleryTile } from './GalleryTile';

const TILE_W = 148;
const TILE_H = 186;
const GAP = 8;
/** Rows drawn beyond the visible ones, above and below. */
const OVERSCAN = 2;
const TILES_PER_FRAME = 16;

/**
 * The failure gallery's tiles, windowed: only the rows of tiles in view
 * (and a couple either side) are in the page, so thousands of runs cost
 * what a screenful does. The scroll position is the gallery's place: it is
 * kept when a run is opened, and restored on the way back.
 */
export function GalleryGrid() {
  const list = useGalleryList();
  const other = pairedRows(useRunSets((s) => s.sets.B?.rows));
  const opened = useRunSets((s) => s.place.opened);
  const savedTop = useRunSets((s) => s.place.scrollTop);
  const colorMap = useAppStore((s) => s.view.colorMap);
  const opacity = useAppStore((s) => s.view.opacity);
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ width: 800, height: 600, top: savedTop });

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.scrollTop = savedTop;
    const measure = () => setView({ width: el.clientWidth, height: el.clientHeight, top: el.scrollTop });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
    // Restored once, on mount: later scrolling is the user's.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Back from the inspector: the tile opened last has the focus again, once it is drawn.
  const focusPending = useRef(opened);
  useEffect(() => {
    if (!focusPending.current) return;
    const tile = box.current?.querySelector<HTMLElement>(
      `[data-trace="${CSS.escape(focusPending.current)}"]`,
    );
    if (!tile) return;
    tile.focus({ preventScroll: true });
    focusPending.current = null;
  });

  const onOpen = useCallback((row: GalleryRow) => openRow(row.trace, box.current?.scrollTop ?? 0), []);

  const perRow = Math.max(1, Math.floor((view.width + GAP) / (TILE_W + GAP)));
  const rows = Math.ceil(list.length / perRow);
  const first = Math.max(0, Math.floor(view.top / (TILE_H + GAP)) - OVERSCAN);
  const last = Math.min(rows, Math.ceil((view.top + view.height) / (TILE_H + GAP)) + OVERSCAN);
  // Tiles come into the page a few per frame (a screenful at once would be one long task).
  const [drawn, setDrawn] = useState(0);
  const want = (last - first) * perRow;
  useEffect(() => {
    if (drawn >= want) return;
    const id = requestAnimationFrame(() => setDrawn((n) => n + TILES_PER_FRAME));
    return () => cancelAnimationFrame(id);
  }, [drawn, want]);
  const shown = list.slice(first * perRow, Math.min(last * perRow, first * perRow + drawn));

  return (
    <div
      className="gallery-grid"
      ref={box}
      onScroll={(e) => {
        const top = e.currentTarget.scrollTop;
        setView((v) => ({ ...v, top }));
      }}
      data-testid="gallery.grid"
      data-count={list.length}
      role="region"
      aria-label={`Failure gallery: ${list.length} runs`}
      tabIndex={-1}
    >
      <div style={{ height: rows * (TILE_H + GAP), position: 'relative' }}>
        {shown.map((row, i) => {
          const k = first * perRow + i;
          const b = other?.get(row.id);
          return (
            <div
              key={row.trace}
              className="tile-slot"
              style={{
                left: (k % perRow) * (TILE_W + GAP),
                top: Math.floor(k / perRow) * (TILE_H + GAP),
                width: TILE_W,
                height: TILE_H,
              }}
            >
              <GalleryTile
                row={row}
                colorMap={colorMap}
                opacity={opacity}
                current={row.trace === opened}
                paired={b ? outcomeOf(b) : null}
                onOpen={onOpen}
              />
            </div>
          );
        })}
      </div>
      {list.length === 0 && <p className="hint">No run matches the filters.</p>}
    </div>
  );
}
