import { useEffect, useMemo, useState } from 'react';
import { reprepareSides, openSideFile } from '../../compare/compare-client';
import { chooseToken, patchCompare, useCompare, type Side } from '../../compare/compare-store';
import { difference, type DiffScale } from '../../compare/diff';
import { useSide } from '../../compare/use-side';
import { setMode, useRunSets } from '../../run-set/run-set-store';
import { useAppStore } from '../../store';
import { ErrorBoundary } from '../ErrorBoundary';
import { ComparePane } from './ComparePane';
import { compareFigure } from './compare-figure';
import { DiffPane } from './DiffPane';
import { download } from '../../download';
import '../../run-set.css';

/** The difference is computed over the image at this long side when the grids differ. */
const DIFF_SIDE = 192;

function OpenSide({ which }: { which: Side }) {
  const opening = useCompare((s) => s.opening[which]);
  return (
    <label className="file-button">
      {opening ? `Opening ${opening}…` : `Open a trace as ${which}`}
      <input
        type="file"
        accept=".json,.rtrace,application/json"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void openSideFile(which, f, f.name.replace(/\.trace\.json$|\.json$|\.rtrace$/, ''));
          e.target.value = '';
        }}
        data-testid={`compare.${which}.open`}
        aria-label={`Open a trace file as run ${which}`}
      />
    </label>
  );
}

/**
 * Two runs of the same image side by side: two inspectors in columns (a map,
 * the answer, the tokens), the same token chosen on both by its text and
 * its place among equal texts, one colour scale for both if wanted, and the
 * difference B − A.
 */
export function SideBySide() {
  const a = useSide('A');
  const b = useSide('B');
  const { sharedScale, diffScale, error, selection } = useCompare();
  const { colorMap, opacity, settings } = useAppStore((s) => s.view);
  const fromGallery = useRunSets((s) => s.place.opened !== null && !!s.sets.A);
  const [busy, setBusy] = useState(false);
  useEffect(() => reprepareSides(), [settings]);
  const shared = useMemo((): [number, number] | null => {
    if (!a?.range || !b?.range) return null;
    return [Math.min(a.range[0], b.range[0]), Math.max(a.range[1], b.range[1])];
  }, [a, b]);
  const diff = useMemo(() => {
    if (!a?.map || !b?.map) return null;
    const img = typeof a.side.trace.image === 'object' ? a.side.trace.image : null;
    const aspect = img ? img.height / img.width : 1;
    const w = aspect <= 1 ? DIFF_SIDE : Math.max(1, Math.round(DIFF_SIDE / aspect));
    const h = aspect <= 1 ? Math.max(1, Math.round(DIFF_SIDE * aspect)) : DIFF_SIDE;
    return difference(
      { map: a.map, ...a.side.trace.grid, box: a.box },
      { map: b.map, ...b.side.trace.grid, box: b.box },
      diffScale,
      w,
      h,
    );
  }, [a, b, diffScale]);
  const what =
    selection !== null
      ? `“${selection.text}”${selection.occurrence ? ` (its ${selection.occurrence + 1}. occurrence)` : ''}`
      : 'the ReAL maps';
  const exportPng = async () => {
    if (!a || !b || !diff) return;
    setBusy(true);
    try {
      download(
        'side-by-side.png',
        await compareFigure({
          a,
          b,
          diff,
          shared: sharedScale ? shared : null,
          colorMap,
          opacity,
          what,
          diffScale,
        }),
      );
    } catch (e) {
      patchCompare({ error: `The figure failed: ${(e as Error).message}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="compare-view" data-testid="compare">
      <section className="panel compare-controls" aria-label="Side by side">
        <div className="row">
          {fromGallery && (
            <button onClick={() => setMode('gallery')} data-testid="compare.back">
              ← Back to the gallery
            </button>
          )}
          <OpenSide which="A" />
          <OpenSide which="B" />
          <label>
            <input
              type="checkbox"
              checked={sharedScale}
              onChange={(e) => patchCompare({ sharedScale: e.target.checked })}
              data-testid="compare.shared-scale"
            />{' '}
            one colour scale for both maps
          </label>
          <label>
            Difference of{' '}
            <select
              value={diffScale}
              onChange={(e) => patchCompare({ diffScale: e.target.value as DiffScale })}
              data-testid="compare.diff-scale"
            >
              <option value="min-max">maps min–max normalised (each 0 to 1)</option>
              <option value="raw">raw map values</option>
            </select>
          </label>
          {selection && (
            <button onClick={() => chooseToken(null)} data-testid="compare.clear">
              Show the ReAL maps
            </button>
          )}
          <button onClick={() => void exportPng()} disabled={!diff || busy} data-testid="compare.figure">
            Export PNG figure
          </button>
        </div>
        <p className="hint" data-testid="compare.selection">
          {selection
            ? `Both sides show ${what}: the token with this text at this place among equal texts (click a token on either side to choose another, Escape in a token list to go back).`
            : 'Both sides show their ReAL map; click a token on either side to see it on both.'}
        </p>
        {error && (
          <p className="error" role="alert" data-testid="compare.error">
            {error}
          </p>
        )}
      </section>
      <ErrorBoundary what="The side-by-side view" resetKey={a?.side.trace ?? b?.side.trace ?? null}>
        <div className="compare-columns">
          {a ? (
            <ComparePane
              which="A"
              view={a}
              range={sharedScale && shared ? shared : a.range}
              colorMap={colorMap}
              opacity={opacity}
            />
          ) : (
            <p className="panel hint">Open a trace as A.</p>
          )}
          {b ? (
            <ComparePane
              which="B"
              view={b}
              range={sharedScale && shared ? shared : b.range}
              colorMap={colorMap}
              opacity={opacity}
            />
          ) : (
            <p className="panel hint">Open a second trace of the same image as B.</p>
          )}
          {a && b && diff && (
            <DiffPane
              diff={diff}
              box={a.box}
              imageUrl={a.side.imageUrl ?? b.side.imageUrl}
              maskUrl={a.side.maskUrl ?? b.side.maskUrl}
              opacity={opacity}
              what={what}
            />
          )}
        </div>
      </ErrorBoundary>
    </main>
  );
}
