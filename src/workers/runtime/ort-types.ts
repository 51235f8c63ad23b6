/**
 * The onnxruntime-web API the engine uses, as types only. The module itself
 * is handed in by whoever runs the engine: the browser worker imports
 * `onnxruntime-web/webgpu`, Node imports `onnxruntime-web` (its wasm backend).
 */
export type Ort = typeof import('onnxruntime-web');
export type OrtSession = import('onnxruntime-web').InferenceSession;
export type OrtTensor = import('onnxruntime-web').Tensor;
export type Backend = 'webgpu' | 'wasm';
