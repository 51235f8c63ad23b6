import { showView, useAppStore } from '../store';

/** "tile-2-3" → "tile row 2, column 3"; the stitched tiles and the global image by name. */
export function viewLabel(name: string, rows: number, cols: number): string {
  const tile = /^tile-(\d+)-(\d+)$/.exec(name);
  const what =
    name === 'tiles'
      ? 'all tiles, stitched'
      : name === 'global'
        ? 'global image'
        : tile
          ? `tile row ${tile[1]}, column ${tile[2]}`
          : name;
  return `${what} (${rows} × ${cols})`;
}

/**
 * Which grid of the image is shown and scored, for a model that sees it
 * several ways (SmolVLM: its tiles stitched at their places, the global
 * image, each tile); hidden for one-grid models.
 */
export function ViewSwitch() {
  const trace = useAppStore((s) => s.run.trace);
  const viewName = useAppStore((s) => s.view.viewName);
  const views = trace?.views ?? [];
  if (!trace || views.length < 2) return null;
  const isDefault = (v: (typeof views)[number]) =>
    v.positions.length === trace.imagePositions.length &&
    v.positions.every((p, i) => p === trace.imagePositions[i]);
  const defaultView = views.find(isDefault);
  const current = viewName !== null && views.some((v) => v.name === viewName) ? viewName : '';
  return (
    <label className="row view-switch">
      Grid{' '}
      <select
        value={current}
        onChange={(e) => showView(e.target.value === '' ? null : e.target.value)}
        aria-label="Which grid of the image to show and score"
        data-testid="view.switch"
      >
        <option value="">
          {defaultView
            ? `${viewLabel(defaultView.name, trace.grid.rows, trace.grid.cols)}: scored by default`
            : `the default grid (${trace.grid.rows} × ${trace.grid.cols})`}
        </option>
        {views
          .filter((v) => !isDefault(v))
          .map((v) => (
            <option key={v.name} value={v.name}>
              {viewLabel(v.name, v.rows, v.cols)}
            </option>
          ))}
      </select>
    </label>
  );
}
