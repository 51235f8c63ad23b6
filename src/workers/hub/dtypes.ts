/**
 * Which variant (dtype) of each ONNX component to load, named as
 * transformers.js names them: `onnx/{vision_encoder,embed_tokens,
 * decoder_model_merged}{suffix}.onnx`.
 */
import { HubError } from './hub-error';

export const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16', 'quantized', 'int8', 'uint8', 'bnb4'] as const;
export type Dtype = (typeof DTYPES)[number];

export const DTYPE_SUFFIX: Readonly<Record<Dtype, string>> = {
  fp32: '',
  fp16: '_fp16',
  q4: '_q4',
  q4f16: '_q4f16',
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  bnb4: '_bnb4',
};

/** transformers.js calls `_quantized` "q8". */
const ALIASES: Readonly<Record<string, Dtype>> = { q8: 'quantized' };

/** Graphs with float16 activations: WebGPU runs them only with the `shader-f16` feature. */
export const NEEDS_SHADER_F16: ReadonlySet<Dtype> = new Set<Dtype>(['fp16', 'q4f16']);

export const COMPONENTS = ['vision', 'embed', 'decoder'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The file name stem of each component, as in the onnx-community exports. */
export const COMPONENT_FILE: Readonly<Record<Component, string>> = {
  vision: 'vision_encoder',
  embed: 'embed_tokens',
  decoder: 'decoder_model_merged',
};

export interface Device {
  backend: 'wasm' | 'webgpu';
  /** WebGPU adapter has `shader-f16` (ignored on wasm). */
  shaderF16?: boolean;
  /** What the device allows (memory-plan.ts); absent values are unknown, the backend's own bounds apply. */
  limits?: DeviceLimits;
}

/** Limits of the device a plan is held against; every field in bytes, absent when unknown. */
export interface DeviceLimits {
  /** WebGPU: the adapter's `maxBufferSize`. */
  maxBufferSize?: number;
  /** WebGPU: the adapter's `maxStorageBufferBindingSize` (every weight is bound as a storage buffer). */
  maxStorageBufferBindingSize?: number;
  /** Memory for the whole run: `navigator.deviceMemory` (GiB, as bytes) or the CLI's `--memory`. */
  memory?: number;
  /** Where `memory` came from, for messages ("navigator.deviceMemory", "--memory"). */
  memoryFrom?: string;
  /** Where the buffer limits came from, for messages (default: the adapter limit's name). */
  bufferFrom?: string;
}

/** The user's choice: one dtype for every component, or some components each ('auto': the default). */
export type DtypeRequest = Dtype | Partial<Record<Component, Dtype | 'auto'>>;

function isDtype(s: string): s is Dtype {
  return (DTYPES as readonly string[]).includes(s);
}

/** A dtype name as a user or config.json writes it ("q8" included), or null if it is none. */
export function dtypeOf(raw: unknown): Dtype | null {
  if (typeof raw !== 'string') return null;
  if (Object.hasOwn(ALIASES, raw)) return ALIASES[raw];
  return isDtype(raw) ? raw : null;
}

export function parseDtype(raw: string, what = '--dtype'): Dtype {
  const d = dtypeOf(raw);
  if (!d)
    throw new HubError('', `${what} ${JSON.stringify(raw)}: unknown dtype (known: ${DTYPES.join(', ')}, q8)`);
  return d;
}

const COMPONENT_NAMES: Readonly<Record<string, Component>> = {
  vision: 'vision',
  vision_encoder: 'vision',
  embed: 'embed',
  embed_tokens: 'embed',
  decoder: 'decoder',
  decoder_model_merged: 'decoder',
};

/**
 * `--dtype q4` (every component) or `--dtype decoder=q4f16,vision=fp16`
 * (components by short or file name; the others keep their defaults).
 */
export function parseDtypeRequest(raw: string): DtypeRequest {
  if (!raw.includes('=')) return parseDtype(raw);
  const out: Partial<Record<Component, Dtype>> = {};
  for (const part of raw.split(',')) {
    const [name, value, extra] = part.split('=');
    if (extra !== undefined || value === undefined || !Object.hasOwn(COMPONENT_NAMES, name.trim()))
      throw new HubError(
        '',
        `--dtype ${JSON.stringify(raw)}: expected DTYPE or COMPONENT=DTYPE,… with components vision, embed, decoder`,
      );
    out[COMPONENT_NAMES[name.trim()]] = parseDtype(value.trim());
  }
  return out;
}

export function requested(req: DtypeRequest | undefined, c: Component): Dtype | null {
  if (req === undefined) return null;
  if (typeof req === 'string') return req;
  const d = Object.hasOwn(req, c) ? req[c] : undefined;
  return d === undefined || d === 'auto' ? null : d;
}

export function graphPath(c: Component, d: Dtype): string {
  return `onnx/${COMPONENT_FILE[c]}${DTYPE_SUFFIX[d]}.onnx`;
}

/**
 * Least lossy first: full precision, half precision, 8-bit weights, then
 * 4-bit weights with fp32 activations before 4-bit with fp16 activations.
 * The memory plan (memory-plan.ts) moves a component down this list only
 * as far as it must to fit the device.
 */
export const LEAST_LOSSY: readonly Dtype[] = [
  'fp32',
  'fp16',
  'quantized',
  'int8',
  'uint8',
  'q4',
  'q4f16',
  'bnb4',
];

/**
 * transformers.js's own default when neither the caller nor config.json
 * names a dtype (4.3: `utils/dtypes.js`, DEFAULT_DEVICE_DTYPE_MAPPING): "q8"
 * (`_quantized`) on wasm, fp32 on every other device, WebGPU included, for
 * every component alike (it has no per-component defaults).
 */
export function transformersJsDefault(device: Device): Dtype {
  return device.backend === 'wasm' ? 'quantized' : 'fp32';
}

/**
 * The dtypes to try for a component, in order of preference, when neither
 * the user nor config.json names one: transformers.js's default first, then
 * the rest least lossy first. On wasm the float16 graphs come last (the CPU
 * backend lacks float16 kernels for many ops, and they are no smaller than
 * 8-bit ones); on WebGPU without `shader-f16` they are left out.
 */
export function defaultDtypes(_c: Component, device: Device): Dtype[] {
  const first = transformersJsDefault(device);
  let order = [first, ...LEAST_LOSSY.filter((d) => d !== first)];
  if (device.backend === 'wasm')
    order = [
      ...order.filter((d) => !NEEDS_SHADER_F16.has(d)),
      ...order.filter((d) => NEEDS_SHADER_F16.has(d)),
    ];
  return order.filter((d) => f16Ok(d, device));
}

export function f16Ok(d: Dtype, device: Device): boolean {
  return device.backend !== 'webgpu' || device.shaderF16 === true || !NEEDS_SHADER_F16.has(d);
}
