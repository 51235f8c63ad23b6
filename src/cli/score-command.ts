import { readFileSync } from 'node:fs';
import { parseTrace, scoreTrace, type RealSettings } from '../real';

/** `real score TRACE.json`: the JSON object of trace-format.md, "The scoring command". */
export function scoreCommand(file: string, settings: RealSettings): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  const trace = parseTrace(text);
  const s = scoreTrace(trace, settings);
  return JSON.stringify({
    reasoning: s.reasoning,
    tokens: s.tokens,
    tauT: s.tauT,
    tauI: s.tauI,
    map: Array.from(s.map),
    consistency: { topK: s.consistency.topK, jaccard: s.consistency.jaccard },
  });
}
