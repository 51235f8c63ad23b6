import { setGpuStatus } from './store';

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** Asks the browser for a WebGPU adapter and records what it said. */
export async function probeWebGpu(): Promise<void> {
  const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu;
  if (!gpu) {
    setGpuStatus({ state: 'unavailable', reason: 'this browser has no WebGPU (navigator.gpu is missing)' });
    return;
  }
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      setGpuStatus({ state: 'unavailable', reason: 'WebGPU gave no adapter' });
      return;
    }
    const info = adapter.info ?? {};
    const name =
      [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
    setGpuStatus({ state: 'available', adapter: name });
  } catch (e) {
    setGpuStatus({ state: 'unavailable', reason: `requesting an adapter failed: ${(e as Error).message}` });
  }
}
