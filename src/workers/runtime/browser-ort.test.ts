import { describe, expect, it } from 'vitest';
import { wasmThreads } from './browser-ort';

describe('wasmThreads', () => {
  it('is onnxruntime’s own default (half the cores, at most 4) when isolated, else 1', () => {
    expect(wasmThreads(true, 1)).toBe(1);
    expect(wasmThreads(true, 2)).toBe(1);
    expect(wasmThreads(true, 4)).toBe(2);
    expect(wasmThreads(true, 16)).toBe(4);
    expect(wasmThreads(true, 0)).toBe(1);
    expect(wasmThreads(false, 16)).toBe(1);
  });
});
