import { float16Table } from './trace/float16';
import type { LayerRange, RowReading } from './settings';
import type { AttentionRow, Trace } from './trace/types';

/**
 * Layer aggregation (section 3). Rows in a trace are already averaged over
 * heads; the default aggregate is the mean over every layer. Only the
 * positions the method reads are averaged, so a full rescore of a large
 * trace stays cheap.
 */

export function resolveLayers(range: LayerRange | null, layerCount: number): LayerRange {
  if (range === null) return { from: 0, to: layerCount - 1 };
  if (
    !Number.isInteger(range.from) ||
    !Number.isInteger(range.to) ||
    range.from < 0 ||
    range.to < range.from
  ) {
    throw new RangeError(`layers ${range.from}:${range.to}: expected FROM:TO with 0 ≤ FROM ≤ TO`);
  }
  if (range.to >= layerCount) {
    throw new RangeError(
      `layers ${range.from}:${range.to}: the trace has ${layerCount} layers (0:${layerCount - 1})`,
    );
  }
  return range;
}

/** Mean over layers `from..to` of `rows[l][p]` for each p in `positions`. */
export function meanAtPositions(
  rows: readonly AttentionRow[],
  positions: ArrayLike<number>,
  layers: LayerRange,
): Float64Array {
  const out = new Float64Array(positions.length);
  for (let l = layers.from; l <= layers.to; l++) {
    const row = rows[l];
    if (row instanceof Float32Array) {
      for (let i = 0; i < positions.length; i++) out[i] += row[positions[i]];
    } else {
      // float16 bits, decoded by table as they are read (no float32 copy of the row).
      const bits = row.bits;
      const f16 = float16Table();
      for (let i = 0; i < positions.length; i++) out[i] += f16[bits[positions[i]]];
    }
  }
  const n = layers.to - layers.from + 1;
  for (let i = 0; i < out.length; i++) out[i] /= n;
  return out;
}

/** Mean row over layers, full length (for display of one token's whole row). */
export function meanRow(rows: readonly AttentionRow[], layers: LayerRange): Float64Array {
  const len = rows[layers.from].length;
  const positions = new Int32Array(len);
  for (let i = 0; i < len; i++) positions[i] = i;
  return meanAtPositions(rows, positions, layers);
}

/**
 * The per-layer rows that stand for generated token `index`:
 * its own row (the default), or the row under which it was produced (the
 * previous token's own row; for the first token, the prompt's last row).
 */
export function rowsForToken<R extends AttentionRow>(
  trace: Trace<R>,
  index: number,
  reading: RowReading,
): R[] {
  if (reading === 'own') return trace.generated[index].attention;
  if (index > 0) return trace.generated[index - 1].attention;
  if (!trace.promptAttention) {
    throw new Error(
      'the "producing" row reading needs promptAttention for the first token, and this trace has none',
    );
  }
  return trace.promptAttention;
}
