import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { Ort } from '../workers/runtime/ort-types';

/**
 * The CLI's runtimes, behind the engine's one runtime interface (Ort,
 * src/workers/runtime/ort-types.ts):
 * - native (the default): onnxruntime-node, on the CPU or, with --device
 *   cuda, on the CUDA execution provider. The only place onnxruntime-node is
 *   imported. It decodes ~2× faster than wasm and prefills several times
 *   faster (README, `npm run bench:runtime`).
 * - wasm: onnxruntime-web's WebAssembly backend in Node, the runtime the
 *   browser falls back to.
 * The engine, the patched graphs and the session options are the same for
 * both; only the execution provider differs.
 */

export type RuntimeKind = 'native' | 'wasm';
export type Device = 'cpu' | 'cuda';
export interface RuntimeChoice {
  runtime: RuntimeKind;
  device: Device;
}
export const DEFAULT_RUNTIME: RuntimeChoice = { runtime: 'native', device: 'cpu' };

/** A runtime that cannot be used here (no CUDA provider, a bad flag): one line, exit 2. */
export class RuntimeChoiceError extends Error {
  override name = 'RuntimeChoiceError';
}

/** onnxruntime-web in Node: its WebAssembly backend, the same runtime the browser falls back to. */
export async function nodeOrt(): Promise<Ort> {
  const ort = (await import('onnxruntime-web')) as Ort;
  ort.env.logLevel = 'error';
  return ort;
}

export const noWebGpuInNode = async () => 'Node has no WebGPU; using WebAssembly';

type NodeModule = typeof import('onnxruntime-node');

/**
 * Session options that keep onnxruntime-node's numbers those of the wasm
 * build: its extended optimisations fuse DequantizeLinear → MatMul into
 * MatMulNBits with int8 arithmetic on the activations (accuracy level 4, its
 * default), which moved the demo model's image features by 7.5e-3 and its
 * attention rows by 1.5e-2; level 1 computes in fp32 (2e-6 from wasm).
 */
export const NATIVE_SESSION_CONFIG = { session: { qdq_matmulnbits_accuracy_level: '1' } } as const;

/**
 * onnxruntime-node as the engine's Ort: sessions are created on `device`
 * whatever backend the engine names (it asks for 'wasm', its CPU class:
 * the wasm dtype defaults, state kept in CPU memory), and without the
 * WebGPU-only output locations.
 */
export function nativeRuntime(node: NodeModule, device: Device): Ort {
  const create = (model: Uint8Array, options: InferenceSession.SessionOptions = {}) => {
    const own: InferenceSession.SessionOptions = { ...options, executionProviders: [device] };
    delete own.preferredOutputLocation;
    own.extra = { ...(options.extra as object | undefined), ...NATIVE_SESSION_CONFIG };
    return node.InferenceSession.create(model, own);
  };
  return {
    ...node,
    InferenceSession: { create } as unknown as Ort['InferenceSession'],
    runtimeName: `onnxruntime-node (${device})`,
  } as Ort;
}

/**
 * onnxruntime-node's Linux build starts Microsoft's telemetry with its first
 * session unless ORT_DISABLE_TELEMETRY is set: it writes a device id and an
 * event store under ~/.cache/Microsoft/DeveloperTools/.onnxruntime, uploads
 * to mobile.events.data.microsoft.com where it can, and matches regular
 * expressions against the process's command line that recurse past the
 * stack on a long one (`--question` of ~4,000 words crashed the CLI with
 * SIGSEGV). The CLI turns it off before the library loads, unless the user
 * set the variable themselves.
 */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (env.ORT_DISABLE_TELEMETRY === undefined) env.ORT_DISABLE_TELEMETRY = '1';
}

export async function nativeOrt(device: Device = 'cpu'): Promise<Ort> {
  disableOrtTelemetry();
  if (device === 'cuda') {
    const problem = cudaProblem(installedCuda());
    if (problem) throw new RuntimeChoiceError(problem);
  }
  const node = (await import('onnxruntime-node')) as NodeModule;
  node.env.logLevel = 'error';
  return nativeRuntime(node, device);
}

export function ortForChoice(choice: RuntimeChoice): Promise<Ort> {
  return choice.runtime === 'wasm' ? nodeOrt() : nativeOrt(choice.device);
}

/** How the CLI names the runtime it runs on ("onnxruntime-node (cpu)", "onnxruntime-web (wasm)"). */
export function runtimeLabel(choice: RuntimeChoice): string {
  return choice.runtime === 'wasm' ? 'onnxruntime-web (wasm)' : `onnxruntime-node (${choice.device})`;
}

/** --runtime native|wasm and --device cpu|cuda, checked together. */
export function runtimeFromFlags(values: Record<string, string | boolean | undefined>): RuntimeChoice {
  const runtime = values.runtime ?? DEFAULT_RUNTIME.runtime;
  const device = values.device ?? (runtime === 'wasm' ? 'cpu' : DEFAULT_RUNTIME.device);
  if (runtime !== 'native' && runtime !== 'wasm')
    throw new RuntimeChoiceError(`--runtime ${String(runtime)}: expected native (onnxruntime-node) or wasm`);
  if (device !== 'cpu' && device !== 'cuda')
    throw new RuntimeChoiceError(`--device ${String(device)}: expected cpu or cuda`);
  if (runtime === 'wasm' && device === 'cuda')
    throw new RuntimeChoiceError(
      '--device cuda runs on onnxruntime-node: leave out --runtime wasm (WebAssembly is CPU only)',
    );
  return { runtime, device };
}

/** What the installed onnxruntime-node says of its CUDA execution provider. */
export interface CudaInstall {
  /** `${process.platform}/${process.arch}` */
  platform: string;
  version: string;
  /** onnxruntime-node's listSupportedBackends(). */
  backends: { name: string; bundled: boolean }[];
  /** The folder of its native binding, where the install script puts the CUDA provider. */
  binDir: string;
  /** The CUDA provider library's file name, and whether it is in binDir. */
  library: string;
  hasProviderLibrary: boolean;
}

/**
 * Why `--device cuda` cannot run with this onnxruntime-node, or null. Its
 * install script (script/install.js) fetches the CUDA 12 provider libraries
 * from NuGet for linux/x64 only, unless ONNXRUNTIME_NODE_INSTALL=skip (as
 * this project's setup does, offline): ONNXRUNTIME_NODE_INSTALL=cuda12 forces
 * them, and the libraries need CUDA 12 and cuDNN 9 on the machine.
 */
export function cudaProblem(i: CudaInstall): string | null {
  const cuda = i.backends.find((b) => b.name === 'cuda');
  if (!cuda)
    return `--device cuda: onnxruntime-node ${i.version} has no CUDA execution provider on ${i.platform} (it has ${i.backends.map((b) => b.name).join(', ') || 'none'}); leave out --device to run on the CPU`;
  if (cuda.bundled || i.hasProviderLibrary) return null;
  return `--device cuda: onnxruntime-node ${i.version} was installed without its CUDA provider (no ${i.library} in ${i.binDir}; an install with ONNXRUNTIME_NODE_INSTALL=skip or no internet leaves it out); on a machine with internet, CUDA 12 and cuDNN 9, run \`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\`, or leave out --device to run on the CPU`;
}

/** The installed onnxruntime-node's CUDA state, read without loading a session. */
export function installedCuda(): CudaInstall {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('onnxruntime-node/package.json');
  const node = require('onnxruntime-node') as NodeModule & {
    listSupportedBackends(): { name: string; bundled: boolean }[];
  };
  const platform = `${process.platform}/${process.arch}`;
  const binDir = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  const library =
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  const shown = relative(process.cwd(), binDir);
  return {
    platform,
    version: (require(pkg) as { version: string }).version,
    backends: node.listSupportedBackends(),
    binDir: shown.startsWith('..') || shown === '' ? binDir : shown,
    library,
    hasProviderLibrary: existsSync(join(binDir, library)),
  };
}
