/**
 * M-RoPE position ids (Qwen2-VL's `get_rope_index`, one sequence, every
 * position attended): text counts up on all three rows; an image block
 * after `<|vision_start|>` gets t = offset + frame, h = offset + row,
 * w = offset + column over the merged grid, where offset is one past the
 * largest position so far; text after it continues from the block's
 * largest position + 1. The rope delta, max + 1 − S, shifts every decoded
 * position: token at sequence position p ≥ S has p + delta on all rows.
 */
export interface MropeIds {
  /** imageTokenId marks image tokens; an image block starts at the token after visionStartId. */
  imageTokenId: number;
  visionStartId: number;
}

export interface MropePositions {
  /** Rows t, h, w, each of length S. */
  rows: [Int32Array, Int32Array, Int32Array];
  delta: number;
}

export class MropeError extends Error {
  override name = 'MropeError';
}

/** `grids[i]` = [t, h, w] in patches of the i-th image, in prompt order. */
export function mropePositions(
  ids: readonly number[],
  grids: readonly (readonly [number, number, number])[],
  merge: number,
  tokens: MropeIds,
): MropePositions {
  const S = ids.length;
  const rows: [Int32Array, Int32Array, Int32Array] = [
    new Int32Array(S),
    new Int32Array(S),
    new Int32Array(S),
  ];
  let next = 0; // max position so far + 1
  let p = 0;
  let image = 0;
  while (p < S) {
    const isBlock = ids[p] === tokens.imageTokenId && p > 0 && ids[p - 1] === tokens.visionStartId;
    if (!isBlock) {
      if (ids[p] === tokens.imageTokenId)
        throw new MropeError(`image token at position ${p} does not follow <|vision_start|>`);
      rows[0][p] = rows[1][p] = rows[2][p] = next++;
      p++;
      continue;
    }
    if (image >= grids.length)
      throw new MropeError(`the prompt has more image blocks than images (${grids.length})`);
    const [t, h, w] = grids[image++];
    const gh = Math.floor(h / merge);
    const gw = Math.floor(w / merge);
    const n = t * gh * gw;
    if (p + n > S) throw new MropeError(`image block at ${p} needs ${n} tokens, the sequence ends at ${S}`);
    for (let i = 0; i < n; i++) {
      if (ids[p + i] !== tokens.imageTokenId)
        throw new MropeError(`image block at ${p} has ${i} image tokens, its grid needs ${n}`);
      rows[0][p + i] = next + Math.floor(i / (gh * gw));
      rows[1][p + i] = next + (Math.floor(i / gw) % gh);
      rows[2][p + i] = next + (i % gw);
    }
    next += Math.max(t, gh, gw);
    p += n;
  }
  if (image !== grids.length)
    throw new MropeError(`${grids.length} images but ${image} image blocks in the prompt`);
  return { rows, delta: next - S };
}

/** Position ids [3, 1, count] for sequence positions start … start+count−1 (prefill rows, then p + delta). */
export function mropeSlice(m: MropePositions, start: number, count: number): BigInt64Array {
  const S = m.rows[0].length;
  const out = new BigInt64Array(3 * count);
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < count; i++) {
      const p = start + i;
      out[r * count + i] = BigInt(p < S ? m.rows[r][p] : p + m.delta);
    }
  }
  return out;
}
