import type { DeviceLimits } from '../workers/hub/dtypes';
import { adapterLabel, softwareAdapterName, type WebGpuAdapterLike } from '../workers/runtime/webgpu-adapter';
import { setGpuStatus, type GpuStatus } from './store';

interface GpuLike {
  requestAdapter(): Promise<(WebGpuAdapterLike & { limits?: Record<string, unknown> }) | null>;
}

let probed: Promise<GpuStatus> | null = null;
/** The adapter's buffer limits, as the probe found them. */
let bufferLimits: Pick<DeviceLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'> = {};

const positive = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

async function ask(): Promise<GpuStatus> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return { state: 'unavailable', reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { state: 'unavailable', reason: 'WebGPU gave no adapter' };
    const maxBufferSize = positive(adapter.limits?.maxBufferSize);
    const maxStorageBufferBindingSize = positive(adapter.limits?.maxStorageBufferBindingSize);
    bufferLimits = {
      ...(maxBufferSize && { maxBufferSize }),
      ...(maxStorageBufferBindingSize && { maxStorageBufferBindingSize }),
    };
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

/**
 * What this browser allows a model, for the memory plan: the WebGPU
 * adapter's `maxBufferSize` and `maxStorageBufferBindingSize` (onnxruntime
 * asks its device for the adapter's limits), and `navigator.deviceMemory`
 * (GiB, rounded down by the browser) where it gives it.
 */
export async function deviceLimits(): Promise<DeviceLimits> {
  await webGpuStatus();
  const gib = positive((navigator as Navigator & { deviceMemory?: number }).deviceMemory);
  return {
    ...bufferLimits,
    ...(gib !== undefined && { memory: gib * 2 ** 30, memoryFrom: 'navigator.deviceMemory' }),
  };
}
