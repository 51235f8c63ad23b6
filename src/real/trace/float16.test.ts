import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat, halvesToFloat32 } from './float16';

describe('float16', () => {
  it('decodes the known bit patterns', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('round-trips every finite half exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
  });

  it('rounds to nearest even, and overflows to Infinity', () => {
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway: down to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway: up to even
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(2 ** -26)).toBe(0);
  });

  it('reads Uint16 bits or native halves', () => {
    expect(Array.from(halvesToFloat32(Uint16Array.of(0x3c00, 0x3800)))).toEqual([1, 0.5]);
    expect(Array.from(halvesToFloat32([0.25, 3]))).toEqual([0.25, 3]);
  });
});
