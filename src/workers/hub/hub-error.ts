/**
 * A model repo that cannot be used, in one line that names the file
 * (`config.json: …`, `onnx/decoder_model_merged_q4.onnx: …`). Every failure
 * of the hub loader, whatever its cause (network, disk, JSON, layout), is
 * wrapped in one of these so the CLI and the page show the same line.
 */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    /** The repo-relative file the problem concerns, or '' for the repo as a whole. */
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(oneLine(file ? `${file}: ${problem}` : problem), options);
  }
}

export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The message of anything thrown, on one line. */
export function messageOf(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e));
}

/** Rethrow e as a HubError about `file` unless it already is one (or an abort, which stays an abort). */
export function wrapAs(file: string, e: unknown, what = 'cannot be read'): HubError | Error {
  if (e instanceof HubError) return e;
  if (isAbort(e)) return e as Error;
  return new HubError(file, `${what} (${messageOf(e)})`, { cause: e });
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');
}
