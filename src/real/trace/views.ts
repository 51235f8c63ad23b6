import type { AttentionRow, Trace } from './types';

/**
 * Version 2's other grids (trace-format.md, "views"): scoring a view is
 * scoring the same trace with the view's grid and positions in place of the
 * default ones, so the method itself never needs to know about views.
 */

export class UnknownViewError extends Error {
  override name = 'UnknownViewError';
}

/** The trace as if `name` were its default view (a shallow copy; rows are shared). */
export function withView<R extends AttentionRow>(trace: Trace<R>, name: string): Trace<R> {
  const view = trace.views?.find((v) => v.name === name);
  if (!view) {
    const names = (trace.views ?? []).map((v) => JSON.stringify(v.name));
    throw new UnknownViewError(
      `view ${JSON.stringify(name)}: the trace has no view of that name (${names.length ? `views: ${names.join(', ')}` : 'it has no views'})`,
    );
  }
  return { ...trace, grid: { rows: view.rows, cols: view.cols }, imagePositions: view.positions };
}
