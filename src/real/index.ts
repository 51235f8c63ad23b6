/**
 * ReAL (Jin et al., CVPR 2026) as pure functions: no DOM, no ONNX, no UI.
 * Used alike by the UI, the inference worker and the CLI.
 */
export * from './settings';
export * from './stats';
export * from './normalize';
export * from './thresholds';
export * from './words';
export * from './reasoning';
export * from './entropy';
export * from './attention';
export * from './map';
export * from './mask';
export * from './weights';
export * from './consistency';
export * from './metrics';
export * from './trace';
export * from './score';
export * from './evaluate';
export * from './answer';
export * from './explain';
export * from './curves';
export * from './aupro';
export * from './run-set/summary-types';
export * from './run-set/summary';
