import * as Comlink from 'comlink';
import type { Trace } from '../real';
import { TraceBuilder } from '../workers/engine/assemble';
import type { RunEvent } from '../workers/engine/events';
import type {
  ImageInput,
  InferenceApi,
  ModelSource,
  RepoSummary,
  RunRequest,
} from '../workers/inference-api';
import type { LoadProgress } from '../workers/package/load';
import type { Backend } from '../workers/runtime/ort-types';
import { deviceLimits, webGpuStatus } from './gpu-probe';
import {
  backendChoiceFromUrl,
  patchImageSizing,
  patchModel,
  patchRun,
  patchView,
  sizingRequest,
  useAppStore,
  type BackendChoice,
} from './store';

/** The demo model the app ships (public/models/real-demo-v1), loaded at start. */
export const BUILT_IN_MODEL = '/models/real-demo-v1/';

/**
 * The UI's side of the worker boundary. A worker that crashes is replaced;
 * what the user already had (the model's name, the last run) stays on
 * screen, with a message.
 */
let worker: Worker | null = null;
let api: Comlink.Remote<InferenceApi> | null = null;
let lastSource: { source: ModelSource; prefer: Backend; reason: string | null } | null = null;

function start(): Comlink.Remote<InferenceApi> {
  worker = new Worker(new URL('../workers/inference.worker.ts', import.meta.url), {
    type: 'module',
    name: 'inference',
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    restartAfterCrash(e.message || 'the inference worker stopped');
  });
  api = Comlink.wrap<InferenceApi>(worker);
  return api;
}

function client(): Comlink.Remote<InferenceApi> {
  return api ?? start();
}

function restartAfterCrash(reason: string) {
  worker?.terminate();
  worker = null;
  api = null;
  const message = `The inference worker crashed (${reason}); it was restarted`;
  if (useAppStore.getState().run.status === 'running')
    patchRun({ status: 'cancelled', error: `${message}.` });
  const again = lastSource;
  patchModel({ status: 'none', error: again ? `${message} and the model is loading again.` : `${message}.` });
  // The user's run stays on screen; the model comes back by itself.
  if (again)
    void loadModel(
      again.source,
      { backend: again.prefer, reason: again.reason },
      `${message} and the model was loaded again.`,
    );
}

/** The backend asked for when the app does not choose by the model: WebGPU unless WebAssembly is forced. */
export function preferredBackend(): Backend {
  return useAppStore.getState().model.backendChoice === 'wasm' ? 'wasm' : 'webgpu';
}

function isBuiltIn(source: ModelSource): boolean {
  if (source.kind !== 'url') return false;
  try {
    return new URL(source.url, location.href).href === new URL(BUILT_IN_MODEL, location.href).href;
  } catch {
    return false;
  }
}

export interface BackendPick {
  backend: Backend;
  /** Why, for the screen; null when there is nothing to say (the worker says why it fell back). */
  reason: string | null;
}

/**
 * The backend for a model and why. Forced (`?backend=`, the model panel's
 * switch): that one. Else WebGPU, except for the built-in demo model on a
 * software adapter (SwiftShader, llvmpipe…): a CPU emulating a GPU runs a
 * model this small several times slower than WebAssembly. Repos from the
 * Hub keep WebGPU: on a real GPU it matters, and their fp16 plans need it.
 */
export async function pickBackend(source: ModelSource, choice: BackendChoice): Promise<BackendPick> {
  const how = backendChoiceFromUrl(location.search) === choice ? `?backend=${choice}` : 'the switch';
  const gpu = await webGpuStatus();
  const software = gpu.state === 'available' ? gpu.software : null;
  if (choice === 'wasm') return { backend: 'wasm', reason: `chosen with ${how}` };
  if (choice === 'webgpu')
    return {
      backend: 'webgpu',
      reason: `chosen with ${how}${software ? `; the adapter is ${software}, a CPU emulation` : ''}`,
    };
  if (gpu.state !== 'available') return { backend: 'webgpu', reason: null };
  if (software && isBuiltIn(source))
    return {
      backend: 'wasm',
      reason: `the WebGPU adapter is ${software}, a CPU emulation, slower than WebAssembly for this model`,
    };
  return {
    backend: 'webgpu',
    reason: software ? `preferred for this model; the adapter is ${software}, a CPU emulation` : gpu.adapter,
  };
}

/** Forces a backend (or gives the choice back to the app) and loads the current model again on it. */
export function setBackendChoice(choice: BackendChoice): void {
  patchModel({ backendChoice: choice });
  const { status } = useAppStore.getState().model;
  if (lastSource && status !== 'loading') void loadModel(lastSource.source);
}

export async function loadModel(
  source: ModelSource,
  pick: BackendPick | null = null,
  note: string | null = null,
): Promise<void> {
  patchModel({ status: 'loading', progress: null, error: note });
  const previous = useAppStore.getState().model.info;
  try {
    const { backend: prefer, reason } =
      pick ?? (await pickBackend(source, useAppStore.getState().model.backendChoice));
    const info = await client().load(
      source,
      prefer,
      Comlink.proxy((p: LoadProgress) => patchModel({ progress: p })),
      await deviceLimits(),
    );
    lastSource = { source, prefer, reason };
    patchModel({
      status: 'ready',
      info,
      progress: null,
      error: note,
      backendReason: info.backend === prefer ? reason : null,
    });
  } catch (e) {
    // The worker keeps the previous model when a load fails.
    patchModel({
      status: previous ? 'ready' : 'none',
      info: previous,
      progress: null,
      error: (e as Error).message,
    });
  }
}

/** What a repo would download, before it does; throws one line when it is not usable. */
export async function inspectModel(
  source: ModelSource,
  prefer: Backend = preferredBackend(),
): Promise<RepoSummary> {
  return client().inspect(source, prefer, await deviceLimits());
}

/** Stops a size check; its inspectModel then throws "the check was stopped". */
export function cancelInspectModel(): void {
  void api?.cancelInspect();
}

/** Stops a model download; the next load of the same repo resumes it. */
export function cancelModelLoad(): void {
  void api?.cancelLoad();
}

/** A run that does not touch the view (evaluation over a set); resolves to its trace. */
/** The run request from the generation settings (the fixed question unless the user changed it). */
function request(): RunRequest {
  const { generation: g, imageSizing } = useAppStore.getState();
  return {
    sizing: sizingRequest(imageSizing),
    ...(g.question !== null ? { question: g.question } : {}),
    ...(g.maxNewTokens !== null ? { maxNewTokens: g.maxNewTokens } : {}),
    sampling: { ...g.sampling, ...(g.seed !== null ? { seed: g.seed } : {}) },
  };
}

/** A trace builder that writes version 2 with the loaded model's description. */
function traceBuilder(): TraceBuilder {
  const info = useAppStore.getState().model.info;
  return info ? TraceBuilder.forModel(info) : new TraceBuilder();
}

export async function runQuietly(image: ImageInput, signal: { aborted: boolean }): Promise<Trace | null> {
  const builder = traceBuilder();
  const onEvent = Comlink.proxy((e: RunEvent) => {
    builder.add(e);
    if (signal.aborted) void api?.cancel();
  });
  const reason = await client().generate(image, request(), onEvent);
  return reason === 'cancelled' ? null : builder.trace;
}

export function cancelRun(): void {
  void api?.cancel();
}

export async function runImage(
  image: ImageInput,
  imageUrl: string,
  imageName: string,
  maskUrl: string | null = null,
): Promise<void> {
  const state = useAppStore.getState();
  if (state.model.status !== 'ready') {
    patchRun({ error: 'Load a model first.' });
    return;
  }
  const previous = state.run;
  const builder = traceBuilder();
  let started = false;
  let version = 0;
  patchRun({ status: 'running', error: null });
  try {
    await client().generate(
      image,
      request(),
      Comlink.proxy((e: RunEvent) => {
        builder.add(e);
        if (e.type === 'start') {
          started = true;
          patchImageSizing({ last: e.sizing ?? null });
          patchView({ selected: null, hovered: null });
          patchRun({ trace: builder.trace, imageUrl, maskUrl, imageName, version: ++version });
        } else if (e.type === 'token') {
          patchRun({ trace: builder.trace, version: ++version });
        } else {
          patchRun({
            status: e.stopReason === 'cancelled' ? 'cancelled' : 'done',
            trace: builder.trace,
            version: ++version,
          });
        }
      }),
    );
  } catch (e) {
    // A run that fails before it starts leaves the previous run on screen.
    if (!started)
      patchRun({
        ...previous,
        status: previous.status === 'running' ? 'idle' : previous.status,
        error: (e as Error).message,
      });
    else patchRun({ status: 'done', error: (e as Error).message });
  }
}

/** Tests only (`?test`): make the worker throw an uncaught error, as a crash would. */
if (new URLSearchParams(location.search).has('test')) {
  (window as unknown as { __crashInferenceWorker: () => void }).__crashInferenceWorker = () =>
    worker?.postMessage('real-inspector:crash-for-tests');
}
