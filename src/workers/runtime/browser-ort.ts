import type { Ort } from './ort-types';

/**
 * The one place the browser build imports onnxruntime-web: its WebGPU build
 * (the native WebGPU backend, which also carries the wasm backend). The wasm
 * binary is served by the app itself at /ort/ (see vite.config.ts), named by
 * an absolute URL as onnxruntime requires inside a worker.
 */
let loaded: Promise<Ort> | null = null;

export function browserOrt(): Promise<Ort> {
  loaded ??= import('onnxruntime-web/webgpu').then((m) => {
    const ort = m as unknown as Ort;
    ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
    // Threads need cross-origin isolation (COOP/COEP); without it, one thread.
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    ort.env.logLevel = 'error';
    return ort;
  });
  return loaded;
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
