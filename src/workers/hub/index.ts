/**
 * The Hugging Face ONNX repo layout as a model source (issue 10), beside the
 * manifest packages of src/workers/package. Works in the worker and in Node;
 * no onnxruntime here.
 */
export { HubError } from './hub-error';
export {
  CONFIG_FILES,
  parseRepoConfig,
  type HubFamily,
  type RepoConfig,
  type RepoFiles,
  type JsonObject,
  type GenerationSettings,
  type TransformersJsConfig,
} from './config';
export {
  DTYPES,
  DTYPE_SUFFIX,
  COMPONENTS,
  COMPONENT_FILE,
  NEEDS_SHADER_F16,
  parseDtype,
  parseDtypeRequest,
  defaultDtypes,
  transformersJsDefault,
  LEAST_LOSSY,
  graphPath,
  type Component,
  type Device,
  type Dtype,
  type DtypeRequest,
  type DeviceLimits,
} from './dtypes';
export {
  maxImageTokens,
  imageTokensFit,
  planMemory,
  planText,
  runCost,
  WASM_HEAP_BYTES,
  type MemoryPlan,
  type PlanLimits,
} from './memory-plan';
export { externalDataNames, parsePieceManifest, PIECE_MANIFEST } from './layout';
export { repoPath, repoUrl } from './repo-path';
export { MAX_FILE_BYTES, type RepoSource, type ReadOptions, type ReadProgress } from './source';
export { HttpRepoSource, hubRepoUrl, HUB_BASE, type HttpSourceOptions } from './http-source';
export { FileListSource } from './file-list-source';
export { guardedFetch, isHubHost, isOfficialHub } from './guarded-fetch';
export {
  planRepo,
  configDtype,
  type PlanOptions,
  type RepoPlan,
  type ComponentPlan,
  type DataPlan,
  type PlannedFile,
} from './plan';
export { loadRepo, type LoadedRepo, type LoadedGraph, type HubProgress, type LoadOptions } from './load';
