import { csvFormat } from 'd3';
import { useState } from 'react';
import type { GalleryRow } from '../../../workers/run-set-api';
import { download } from '../../download';
import { drawPanel, figurePng, loadImage, maskBits } from '../../run-set/figure';
import { galleryList } from '../../run-set/gallery-list';
import { outcomeOf, SORT_LABELS } from '../../run-set/gallery-rows';
import { useRunSets } from '../../run-set/run-set-store';
import { rowWords } from '../../run-set/word-table';
import { useAppStore } from '../../store';
import { fmt } from './GalleryTile';

/** The kept reasoning words of a row, in order. */
export const keptWords = (row: GalleryRow) =>
  rowWords(row)
    .filter((w) => w.kept)
    .map((w) => w.word);

export function rowsCsv(rows: readonly GalleryRow[]): string {
  return csvFormat(
    rows.map((r) => ({
      trace: r.trace,
      id: r.id,
      category: r.category ?? '',
      defect: r.defect ?? '',
      label: r.label ?? '',
      answer: r.answer ?? '',
      outcome: outcomeOf(r),
      pYes: r.pYes ?? '',
      pixelAuroc: r.pixelAuroc ?? '',
      aupro: r.aupro ?? '',
      maskMass: r.maskMass ?? '',
      jaccard: r.jaccard,
      rCons: r.rCons ?? '',
      kept: r.kept,
      keptWords: keptWords(r).join(' '),
    })),
  );
}

/** The figure of the gallery's first `n` runs as shown: each image with its ReAL map and mask, and its labels. */
async function galleryFigure(n: number): Promise<Blob> {
  const s = useRunSets.getState();
  const { colorMap, opacity } = useAppStore.getState().view;
  const rows = galleryList(s).slice(0, n);
  const size = 180;
  const cells = [];
  for (const r of rows) {
    const [image, mask] = await Promise.all([
      loadImage(r.thumbnail),
      r.maskThumbnail ? maskBits(r.maskThumbnail) : null,
    ]);
    cells.push({
      panel: drawPanel({ image, map: r.map, grid: r.grid, mask, colorMap, opacity, size }),
      lines: [
        r.id,
        `${outcomeOf(r)}: ${r.answer ?? 'no answer'}, P(yes) ${fmt(r.pYes)}`,
        `pixel AUROC ${fmt(r.pixelAuroc)} · J ${fmt(r.jaccard, 2)}`,
        `kept: ${keptWords(r).join(' ') || 'none'}`,
      ],
    });
  }
  const f = s.filter;
  const said = [
    f.outcomes.length ? f.outcomes.join(', ') : 'every outcome',
    f.categories.length ? f.categories.map((c) => c ?? '(none)').join(', ') : 'every category',
    f.defects.length ? f.defects.map((d) => d ?? '(none)').join(', ') : 'every defect',
  ].join('; ');
  return figurePng(
    [
      `${s.sets.A?.name ?? 'Run set'}: ${rows.length} runs, sorted by ${SORT_LABELS[s.sort.key]} (${s.sort.dir === 'asc' ? 'lowest' : 'highest'} first)`,
      `${said}. ReAL map min–max per image in ${colorMap}; white: the ground-truth mask.`,
    ],
    cells,
    6,
    size,
  );
}

/** Export of what the gallery shows: a PNG figure of its first runs, and its rows as CSV. */
export function GalleryExport() {
  const [n, setN] = useState(24);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const png = async () => {
    setBusy(true);
    setError(null);
    try {
      download('gallery.png', await galleryFigure(n));
    } catch (e) {
      setError(`The figure failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="gallery-export">
      Export:
      <label>
        figure of the first{' '}
        <input
          type="number"
          min={1}
          max={96}
          value={n}
          onChange={(e) => setN(Math.max(1, Math.min(96, Math.round(e.target.valueAsNumber) || 1)))}
          data-testid="gallery.figure-count"
        />{' '}
        runs
      </label>
      <button onClick={() => void png()} disabled={busy} data-testid="gallery.figure">
        PNG
      </button>
      <button
        onClick={() =>
          download(
            'gallery.csv',
            new Blob([rowsCsv(galleryList(useRunSets.getState()))], { type: 'text/csv' }),
          )
        }
        data-testid="gallery.csv"
      >
        rows CSV
      </button>
      {error && <span className="error">{error}</span>}
    </span>
  );
}
