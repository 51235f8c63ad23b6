import type { Backend, Ort } from './ort-types';

/**
 * The one place the browser build imports onnxruntime-web, one build per
 * backend (measured with `npm run bench:decode`, README "Benchmarks"):
 * - wasm: `onnxruntime-web/wasm`, the plain SIMD wasm binary. The WebGPU build
 *   runs its wasm kernels on an asyncify binary (so they can await GPU work),
 *   which on the demo model took 6.8 ms a decode step against 2.1 ms;
 * - webgpu: `onnxruntime-web/webgpu`, the native WebGPU backend (and the
 *   asyncify wasm for the ops it leaves on the CPU).
 * Each is imported only when a session on its backend is made. The wasm
 * binaries are served by the app itself at /ort/ (see vite.config.ts), named
 * by an absolute URL as onnxruntime requires inside a worker.
 */
const loaded = new Map<Backend, Promise<Ort>>();

/**
 * Threads: onnxruntime's own default, as in Node: half the cores, at most 4
 * (one on a 2-core machine); threads need cross-origin isolation (COOP/COEP).
 * Every core was too many: with the page and the worker on the same cores, 2
 * threads on 2 cores halved the demo model's decode speed (the median step
 * about the same, but long stalls whenever a thread lost its core).
 */
export function wasmThreads(isolated: boolean, cores: number): number {
  return isolated ? Math.min(4, Math.ceil(Math.max(1, cores) / 2)) : 1;
}

function configure(ort: Ort): Ort {
  ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
  ort.env.wasm.numThreads = wasmThreads(self.crossOriginIsolated, navigator.hardwareConcurrency || 1);
  // Already in a worker: no second one to proxy to.
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return ort;
}

export function browserOrt(backend: Backend): Promise<Ort> {
  let p = loaded.get(backend);
  if (!p) {
    p = (backend === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')).then((m) =>
      configure(m as unknown as Ort),
    );
    loaded.set(backend, p);
  }
  return p;
}

/** null when WebGPU can be used, else why not. */
export async function webgpuUnavailable(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'this browser has no WebGPU';
  try {
    return (await gpu.requestAdapter()) ? null : 'WebGPU gave no adapter';
  } catch (e) {
    return `WebGPU adapter request failed: ${(e as Error).message}`;
  }
}

/** Whether the WebGPU adapter has `shader-f16` (fp16 graphs need it); false without WebGPU. */
export async function webgpuHasShaderF16(): Promise<boolean> {
  const gpu = (
    navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ features: ReadonlySet<string> } | null> } }
  ).gpu;
  try {
    return (await gpu?.requestAdapter())?.features.has('shader-f16') ?? false;
  } catch {
    return false;
  }
}
