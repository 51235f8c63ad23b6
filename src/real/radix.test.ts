import { describe, expect, it } from 'vitest';
import { floatKey, floatKeys, keyValue, radixSort } from './radix';

describe('radix sort of float32 keys', () => {
  it('orders keys as the numbers, and keyValue undoes floatKey', () => {
    const values = Float32Array.from([3.5, -1, 0, -0, 1e-30, -1e30, 7, Infinity, -Infinity, 2.25, 2.25]);
    const keys = floatKeys(values);
    for (let i = 0; i < values.length; i++) {
      expect(keys[i]).toBe(floatKey(values[i]));
      expect(Object.is(keyValue(keys[i]), values[i])).toBe(true);
    }
    const order = Uint32Array.from(values, (_, i) => i);
    radixSort(keys, order);
    const sorted = Array.from(order, (i) => values[i]);
    expect(sorted).toEqual([...values].sort((a, b) => a - b || (Object.is(a, -0) ? -1 : 1)));
    for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeGreaterThanOrEqual(keys[i - 1]);
  });

  it('sorts many random values with and without a payload', () => {
    let s = 1;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1;
    const values = Float32Array.from({ length: 50_000 }, () => rand() * 10 ** Math.floor(rand() * 6));
    const keys = floatKeys(values);
    const payload = Uint32Array.from(values, (_, i) => i);
    radixSort(keys, payload);
    const expected = Array.from(values).sort((a, b) => a - b);
    expect(Array.from(payload, (i) => values[i])).toEqual(expected);
    const bare = floatKeys(values);
    radixSort(bare);
    expect(Array.from(bare, keyValue)).toEqual(expected);
  });
});
