import type { Ort } from '../workers/runtime/ort-types';

/** onnxruntime-web in Node: its WebAssembly backend, the same runtime the browser falls back to. */
export async function nodeOrt(): Promise<Ort> {
  const ort = (await import('onnxruntime-web')) as Ort;
  ort.env.logLevel = 'error';
  return ort;
}

export const noWebGpuInNode = async () => 'Node has no WebGPU; using WebAssembly';
