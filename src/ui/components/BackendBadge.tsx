import { useAppStore } from '../store';

/** Which compute the page can use: WebGPU (with its adapter) or the wasm fallback. */
export function BackendBadge() {
  const gpu = useAppStore((s) => s.gpu);
  if (gpu.state === 'checking') return <span className="badge">checking WebGPU…</span>;
  if (gpu.state === 'available') {
    return (
      <span className="badge ok" data-testid="backend.badge" data-backend="webgpu" title={gpu.adapter}>
        WebGPU: {gpu.adapter}
        {gpu.software && ` (software: ${gpu.software})`}
      </span>
    );
  }
  return (
    <span className="badge warn" data-testid="backend.badge" data-backend="wasm" title={gpu.reason}>
      WebAssembly (no WebGPU: {gpu.reason})
    </span>
  );
}
