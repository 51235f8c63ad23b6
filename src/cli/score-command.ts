import { UnknownViewError, scoreTrace, withView, type RealSettings } from '../real';
import { UsageError } from './args';
import { finiteJson } from './finite-json';
import { readTraceFile } from './trace-file';

/**
 * `real score TRACE [--view NAME]`: the JSON object of trace-format.md, "The
 * scoring command", for the default view or the named one. TRACE is either
 * form (JSON or binary).
 */
export function scoreCommand(file: string, settings: RealSettings, view?: string): string {
  let trace = readTraceFile(file);
  if (view !== undefined) {
    try {
      trace = withView(trace, view);
    } catch (e) {
      if (e instanceof UnknownViewError) throw new UsageError(`--${e.message}`, { cause: e });
      throw e;
    }
  }
  const s = scoreTrace(trace, settings);
  return finiteJson({
    reasoning: s.reasoning,
    tokens: s.tokens,
    tauT: s.tauT,
    tauI: s.tauI,
    map: Array.from(s.map),
    consistency: { topK: s.consistency.topK, jaccard: s.consistency.jaccard },
  });
}
