import { openTraceFile } from './trace-client';

/**
 * The saved example drawn at first paint, before the model has loaded: a
 * shipped trace (generated with `real run` from a sample the demo model
 * gets right), opened through the same reader as any trace file. Marked as
 * a saved example on screen; the first live run or opened trace replaces it.
 */
export const EXAMPLE_TRACE = '/examples/001_brick_scratch.trace.json';

export async function showExample(): Promise<void> {
  try {
    const response = await fetch(EXAMPLE_TRACE);
    if (!response.ok) return;
    const name = EXAMPLE_TRACE.slice(EXAMPLE_TRACE.lastIndexOf('/') + 1);
    await openTraceFile(new File([await response.blob()], name), { example: true });
  } catch {
    // No example is no error: the screen says "No run yet" as before.
  }
}
