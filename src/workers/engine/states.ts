import type { Ort, OrtTensor } from '../runtime/ort-types';
import type { StateSpec } from './decoder-io';

/** The decoder's recurrent state before the first token: empty KV caches, zeroed fixed-size states. */
export function emptyStates(ort: Ort, states: readonly StateSpec[]): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const s of states) {
    const size = s.dims.reduce((a, b) => a * b, 1);
    out[s.input] =
      s.type === 'float16'
        ? new ort.Tensor('float16', new Uint16Array(size), s.dims)
        : new ort.Tensor('float32', new Float32Array(size), s.dims);
  }
  return out;
}

export function disposeAll(tensors: Record<string, OrtTensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}
