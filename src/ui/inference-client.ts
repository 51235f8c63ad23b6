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
import { patchModel, patchRun, patchView, useAppStore } from './store';

/**
 * The UI's side of the worker boundary. A worker that crashes is replaced;
 * what the user already had (the model's name, the last run) stays on
 * screen, with a message.
 */
let worker: Worker | null = null;
let api: Comlink.Remote<InferenceApi> | null = null;
let lastSource: { source: ModelSource; prefer: Backend } | null = null;

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
  if (again) void loadModel(again.source, again.prefer, `${message} and the model was loaded again.`);
}

export function preferredBackend(): Backend {
  const p = new URLSearchParams(location.search).get('backend');
  return p === 'wasm' ? 'wasm' : 'webgpu';
}

export async function loadModel(
  source: ModelSource,
  prefer: Backend = preferredBackend(),
  note: string | null = null,
): Promise<void> {
  patchModel({ status: 'loading', progress: null, error: note });
  const previous = useAppStore.getState().model.info;
  try {
    const info = await client().load(
      source,
      prefer,
      Comlink.proxy((p: LoadProgress) => patchModel({ progress: p })),
    );
    lastSource = { source, prefer };
    patchModel({ status: 'ready', info, progress: null, error: note });
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
  return client().inspect(source, prefer);
}

/** Stops a model download; the next load of the same repo resumes it. */
export function cancelModelLoad(): void {
  void api?.cancelLoad();
}

/** A run that does not touch the view (evaluation over a set); resolves to its trace. */
/** The run request from the generation settings (the fixed question unless the user changed it). */
function request(): RunRequest {
  const g = useAppStore.getState().generation;
  return {
    ...(g.question !== null ? { question: g.question } : {}),
    ...(g.maxNewTokens !== null ? { maxNewTokens: g.maxNewTokens } : {}),
    sampling: { temperature: g.temperature, topP: g.topP, seed: g.seed },
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
