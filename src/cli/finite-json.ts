/**
 * The one JSON writer for what the CLI prints: every number must be finite.
 * JSON.stringify would print Infinity and NaN as null, silently; here a
 * non-finite number raises an error naming where it is, so the command exits
 * 2 with that line instead of printing a wrong result. Only an evaluation's
 * metrics that are undefined by definition (NaN: no positives, no P(yes))
 * may be written as null, and only when the caller says so.
 */
export class NonFiniteOutputError extends Error {
  override name = 'NonFiniteOutputError';
}

export function finiteJson(
  value: unknown,
  options: { space?: number; undefinedAsNull?: boolean } = {},
): string {
  const check = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v) || (options.undefinedAsNull && Number.isNaN(v))) return;
      throw new NonFiniteOutputError(
        `${path || '(result)'} is ${v}; refusing to print a number that is not finite (an input or setting is out of range)`,
      );
    }
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const a = v as ArrayLike<unknown>;
      for (let i = 0; i < a.length; i++) check(a[i], `${path}[${i}]`);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) check(x, path ? `${path}.${k}` : k);
    }
  };
  check(value, '');
  return JSON.stringify(value, null, options.space);
}

/**
 * A trace the model just produced, checked before it is printed or scored:
 * a corrupt or badly quantised ONNX file can give NaN or Infinity, which the
 * trace's JSON would write as null.
 */
export function assertFiniteTrace(trace: {
  generated: { attention: ArrayLike<number>[] }[];
  promptAttention?: ArrayLike<number>[];
  answerProbability?: number;
}): void {
  const rows = (list: ArrayLike<number>[], field: string) => {
    list.forEach((row, l) => {
      for (let i = 0; i < row.length; i++)
        if (!Number.isFinite(row[i]))
          throw new NonFiniteOutputError(
            `the model gave ${field}[${l}][${i}] = ${row[i]}; refusing to write a trace that is not finite (is an ONNX file corrupt?)`,
          );
    });
  };
  trace.generated.forEach((t, i) => rows(t.attention, `generated[${i}].attention`));
  if (trace.promptAttention) rows(trace.promptAttention, 'promptAttention');
  if (trace.answerProbability !== undefined && !Number.isFinite(trace.answerProbability))
    throw new NonFiniteOutputError(
      `the model gave answerProbability = ${trace.answerProbability}; refusing to write it`,
    );
}
