/**
 * ONNX graph reading and the decoder attention patcher: pure TypeScript
 * (protobufjs only), for the worker and for Node alike.
 */
export { readGraph, externalDataFiles, allGraphs, OnnxFormatError } from './read-graph';
export type {
  GraphInfo,
  GraphBody,
  NodeInfo,
  AttributeInfo,
  TensorMeta,
  ValueInfo,
  Dim,
  Span,
  ExternalRef,
  ExternalDataFile,
  OpsetImport,
} from './graph-types';
export { DataType } from './graph-types';
export {
  findAttention,
  attentionOutputName,
  existingAttentionLayers,
  ATTENTION_OUTPUT_PREFIX,
  type AttentionPlan,
  type AttentionKind,
  type AttentionSite,
} from './attention-plan';
export { patchDecoder, type PatchResult } from './patch-decoder';
export { UnpatchableError } from './unpatchable';
export { givesLastLogitsOnly, lastPositionLogits, type LastLogitsResult } from './last-logits';
