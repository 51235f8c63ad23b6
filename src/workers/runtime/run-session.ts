import { runErrorLine, sessionRuntime } from './ort-error';
import type { OrtSession, OrtTensor } from './ort-types';

/**
 * The one way the engine runs an onnxruntime session: the feeds are checked
 * against the graph's own inputs first (names, element types, fixed dims),
 * so a swapped or mis-sized ONNX file is refused with a line naming the file
 * and the input, never onnxruntime's raw text ("input 'input_ids' is missing
 * in 'feeds'", "Got invalid dimensions for input …"); anything onnxruntime
 * still throws is one line with the file, the inputs it was given, the
 * runtime and what it said, without its build paths (ort-error.ts).
 */

export class SessionRunError extends Error {
  override name = 'SessionRunError';
}

type Meta = { name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> };

const dimsText = (dims: ReadonlyArray<number | string>) => `[${dims.join(', ')}]`;

function metadataOf(session: OrtSession, which: 'inputMetadata' | 'outputMetadata'): Meta[] {
  try {
    return ((session as unknown as Record<string, Meta[] | undefined>)[which] ?? []) as Meta[];
  } catch {
    return []; // a session without metadata: names only
  }
}

/** Why these feeds cannot go into this session, or null. */
export function feedsProblem(
  file: string,
  session: OrtSession,
  feeds: Readonly<Record<string, OrtTensor>>,
  fetches?: readonly string[],
): string | null {
  const inputs = session.inputNames;
  const extra = Object.keys(feeds).filter((n) => !inputs.includes(n));
  const missing = inputs.filter((n) => !(n in feeds));
  if (extra.length || missing.length) {
    const parts = [
      ...missing.map((n) => `needs input '${n}', which was not given`),
      ...extra.map((n) => `has no input '${n}'`),
    ];
    return `${file} ${parts.slice(0, 3).join('; ')}${parts.length > 3 ? '; …' : ''} (its inputs: ${inputs.join(', ') || 'none'}); is it the right file, or swapped with another of the model's?`;
  }
  for (const m of metadataOf(session, 'inputMetadata')) {
    const t = feeds[m.name];
    if (!t || !m.isTensor) continue;
    if (m.type && m.type !== t.type)
      return `${file}: input '${m.name}' takes ${m.type}, the engine gives ${t.type}; is the file from another model?`;
    const shape = m.shape ?? [];
    if (shape.length === 0) continue; // unknown shape (or a scalar): onnxruntime decides
    const fixedMismatch = shape.some((d, i) => typeof d === 'number' && d >= 0 && t.dims[i] !== d);
    if (shape.length !== t.dims.length || fixedMismatch)
      return `${file}: input '${m.name}' is ${dimsText(t.dims)}, the model takes ${dimsText(shape)}; is the file for another model or size?`;
  }
  if (fetches) {
    const outputs = session.outputNames;
    const absent = fetches.filter((n) => !outputs.includes(n));
    if (absent.length)
      return `${file} has no output ${absent
        .slice(0, 3)
        .map((n) => `'${n}'`)
        .join(
          ', ',
        )}${absent.length > 3 ? ', …' : ''} (its outputs: ${outputs.slice(0, 6).join(', ')}${outputs.length > 6 ? ', …' : ''})`;
  }
  return null;
}

/** session.run(feeds[, fetches]) under the rules above; `file` names the ONNX file in messages. */
export async function runSession(
  file: string,
  session: OrtSession,
  feeds: Record<string, OrtTensor>,
  fetches?: readonly string[],
): Promise<Record<string, OrtTensor>> {
  const problem = feedsProblem(file, session, feeds, fetches);
  if (problem) throw new SessionRunError(problem);
  try {
    return fetches ? await session.run(feeds, fetches as string[]) : await session.run(feeds);
  } catch (e) {
    const names = Object.keys(feeds);
    const given = names
      .slice(0, 4)
      .map((n) => `${n} ${dimsText(feeds[n].dims)}`)
      .join(', ');
    const inputs = `${names.length === 1 ? 'input' : 'inputs'} ${given}${names.length > 4 ? ', …' : ''}`;
    throw new SessionRunError(runErrorLine(file, sessionRuntime(session), inputs, e), { cause: e });
  }
}

/**
 * At load: the graph has these inputs and outputs (names only), or a line
 * naming the file and what is missing — a swapped file is found before any run.
 */
export function checkSessionNames(
  file: string,
  session: OrtSession,
  want: { inputs?: readonly string[]; outputs?: readonly string[] },
  role: string,
): void {
  const missingIn = (want.inputs ?? []).filter((n) => !session.inputNames.includes(n));
  const missingOut = (want.outputs ?? []).filter((n) => !session.outputNames.includes(n));
  if (!missingIn.length && !missingOut.length) return;
  const what = [...missingIn.map((n) => `input '${n}'`), ...missingOut.map((n) => `output '${n}'`)].join(
    ', ',
  );
  throw new SessionRunError(
    `${file} is not ${role}: it has no ${what} (its inputs: ${session.inputNames.join(', ') || 'none'}; outputs: ${session.outputNames.slice(0, 4).join(', ')}${session.outputNames.length > 4 ? ', …' : ''}); is it swapped with another file?`,
  );
}
