import { adapterLabel, softwareAdapterName, type WebGpuAdapterLike } from '../workers/runtime/webgpu-adapter';
import { setGpuStatus, type GpuStatus } from './store';

interface GpuLike {
  requestAdapter(): Promise<WebGpuAdapterLike | null>;
}

let probed: Promise<GpuStatus> | null = null;

async function ask(): Promise<GpuStatus> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return { state: 'unavailable', reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { state: 'unavailable', reason: 'WebGPU gave no adapter' };
    return { state: 'available', adapter: adapterLabel(adapter), software: softwareAdapterName(adapter) };
  } catch (e) {
    return { state: 'unavailable', reason: `requesting an adapter failed: ${(e as Error).message}` };
  }
}

/** What the browser's WebGPU adapter is (asked once): none, a real GPU, or a software one. */
export function webGpuStatus(): Promise<GpuStatus> {
  probed ??= ask();
  return probed;
}

/** Asks the browser for a WebGPU adapter and records what it said. */
export async function probeWebGpu(): Promise<void> {
  setGpuStatus(await webGpuStatus());
}
