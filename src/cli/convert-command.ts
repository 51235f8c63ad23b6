import { formatBytes } from '../real';
import { UsageError } from './args';
import { readTraceFile } from './trace-file';
import { formForPath, writeTraceFile } from './trace-out';

/**
 * `real convert IN OUT [--float16|--float32]`: a trace from either form to
 * the form OUT's name says (`.json`: JSON; anything else, `.rtrace` by
 * convention: binary, float16 unless --float32). float32 and JSON
 * round-trip exactly; float16 within its rounding.
 */
export function convertCommand(
  input: string,
  output: string,
  flags: { float16?: boolean; float32?: boolean },
): string {
  if (flags.float16 && flags.float32) throw new UsageError('convert: give --float16 or --float32, not both');
  const form = formForPath(output, flags.float32 ? 'float32' : 'float16');
  if (form.form === 'json' && (flags.float16 || flags.float32))
    throw new UsageError(
      `convert: ${output} is a .json name (the JSON form); --float16/--float32 are for the binary form`,
    );
  const trace = readTraceFile(input);
  const bytes = writeTraceFile(output, trace, form);
  const what = form.form === 'json' ? 'JSON' : `binary, ${form.dtype} rows`;
  return `${output}: ${formatBytes(bytes)} (${what})`;
}
