import { memo, useLayoutEffect, useRef } from 'react';
import type { GalleryRow } from '../../../workers/run-set-api';
import { OUTCOME_LABELS, outcomeOf } from '../../run-set/gallery-rows';
import { paintGrid } from '../../run-set/paint-grid';
import type { ColorMap } from '../../store';

export const fmt = (x: number | null, digits = 3) =>
  x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);

/** The image with its ReAL map and the mask's outline, as a tile (and in the figure export). */
export const TilePicture = memo(function TilePicture({
  row,
  colorMap,
  opacity,
}: {
  row: GalleryRow;
  colorMap: ColorMap;
  opacity: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    if (canvas.current) paintGrid(canvas.current, row.map, row.grid.rows, row.grid.cols, colorMap);
  }, [row, colorMap]);
  const m = row.maskOutline;
  return (
    <span className="tile-pic">
      {row.thumbnail ? <img src={row.thumbnail} alt="" /> : <span className="tile-noimage" />}
      <canvas ref={canvas} style={{ opacity }} aria-hidden="true" />
      {m && (
        <svg viewBox={`0 0 ${m.width} ${m.height}`} preserveAspectRatio="none" aria-hidden="true">
          <path d={m.d} />
        </svg>
      )}
    </span>
  );
});

/** What a tile says, in words (its accessible name). */
export function tileLabel(row: GalleryRow): string {
  const o = outcomeOf(row);
  return [
    row.id,
    OUTCOME_LABELS[o],
    row.answer ? `answered ${row.answer}` : 'no answer',
    row.pYes !== null ? `P(yes) ${fmt(row.pYes)}` : null,
    row.pixelAuroc !== null ? `pixel AUROC ${fmt(row.pixelAuroc)}` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

export const GalleryTile = memo(function GalleryTile({
  row,
  colorMap,
  opacity,
  current,
  paired,
  onOpen,
}: {
  row: GalleryRow;
  colorMap: ColorMap;
  opacity: number;
  current: boolean;
  /** The same image's outcome in set B, when one is open. */
  paired: string | null;
  onOpen: (row: GalleryRow) => void;
}) {
  const o = outcomeOf(row);
  return (
    <button
      className={`tile outcome-${o}${current ? ' current' : ''}`}
      onClick={() => onOpen(row)}
      aria-label={tileLabel(row) + (paired ? `; in B: ${paired}` : '')}
      data-testid="gallery.tile"
      data-trace={row.trace}
      data-outcome={o}
    >
      <TilePicture row={row} colorMap={colorMap} opacity={opacity} />
      <span className="tile-text">
        <span className={`outcome outcome-${o}`}>{o === 'unknown' ? '?' : o === 'unlabelled' ? '–' : o}</span>{' '}
        {row.answer ?? 'no answer'} · {fmt(row.pYes, 2)}
        {paired && <span className="tile-paired"> · B {paired}</span>}
      </span>
      <span className="tile-id" title={row.id}>
        {row.id}
      </span>
    </button>
  );
});
