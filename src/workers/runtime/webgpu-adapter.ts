/**
 * Telling a software WebGPU adapter (a CPU emulating a GPU: SwiftShader,
 * llvmpipe, WARP…) from a real GPU. Pure: no onnxruntime, no DOM, so the page
 * and the workers share it. On such an adapter a small model runs slower on
 * WebGPU than on WebAssembly.
 */
export interface WebGpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
}

const SOFTWARE: [RegExp, string][] = [
  [/swift\s*shader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
  [/\bwarp\b/i, 'WARP'],
  [/software (renderer|rasteri[sz]er|adapter)/i, 'a software renderer'],
];

/** The software adapter's name ("SwiftShader"), or null for what looks like a real GPU. */
export function softwareAdapterName(adapter: WebGpuAdapterLike): string | null {
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  for (const [re, name] of SOFTWARE) if (re.test(text)) return name;
  if (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true) return 'a fallback adapter';
  return null;
}

/** The adapter's name as its info gives it. */
export function adapterLabel(adapter: WebGpuAdapterLike): string {
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}
