/**
 * Bytes per element by TensorProto.DataType, for the graph reader's size
 * checks and the memory plan alike. 4-bit types (UINT4, INT4) pack two to a
 * byte (0.5); STRING (8) and UNDEFINED (0) have no fixed size and are absent.
 */
export const ELEM_BYTES: Readonly<Record<number, number>> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
  17: 1,
  18: 1,
  19: 1,
  20: 1,
  21: 0.5,
  22: 0.5,
};

/** Bytes that `elements` values of the type take, packed types rounded up to whole bytes; null: no fixed size. */
export function tensorBytes(dataType: number, elements: number): number | null {
  const elem = ELEM_BYTES[dataType];
  return elem ? Math.ceil(elements * elem) : null;
}
