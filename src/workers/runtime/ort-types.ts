/**
 * The onnxruntime-web API the engine uses, as types only. The module itself
 * is handed in by whoever runs the engine: the browser worker imports
 * `onnxruntime-web/wasm` for a wasm session and `onnxruntime-web/webgpu` for a
 * WebGPU one (browser-ort.ts); the CLI hands in onnxruntime-node (native CPU or
 * CUDA, src/cli/node-ort.ts) or `onnxruntime-web` (its wasm backend in Node).
 * onnxruntime-node has the same API (both are onnxruntime-common); a runtime
 * that is not onnxruntime-web's says so in `runtimeName`, which messages use.
 */
export type Ort = typeof import('onnxruntime-web') & {
  /** How messages name this runtime, e.g. "onnxruntime-node (cpu)"; absent: "onnxruntime-web (BACKEND)". */
  readonly runtimeName?: string;
};
export type OrtSession = import('onnxruntime-web').InferenceSession;
export type OrtTensor = import('onnxruntime-web').Tensor;
export type Backend = 'webgpu' | 'wasm';
/**
 * The runtime for a backend. onnxruntime-web's builds differ: the WebGPU one
 * runs its wasm on an asyncify binary, 2.6 times slower per decode step than
 * the plain wasm build on the demo model (README, `bench:decode`), so a wasm
 * session is created from the wasm build. A session's tensors must come from
 * the module that made it (Sessions.ort).
 */
export type OrtFor = (backend: Backend) => Promise<Ort>;
/** One module for every backend (Node), or one per backend (the browser). */
export type OrtSource = Ort | OrtFor;

export function ortFor(source: OrtSource, backend: Backend): Promise<Ort> {
  return typeof source === 'function' ? source(backend) : Promise.resolve(source);
}

/** The runtime's name for messages and logs: onnxruntime-web with its backend, unless it names itself. */
export function runtimeNameOf(ort: Ort, backend: Backend): string {
  return ort.runtimeName ?? `onnxruntime-web (${backend})`;
}
