import * as Comlink from 'comlink';
import { create } from 'zustand';
import {
  attachBinaryRowsSteps,
  traceImageUrl,
  type AnyTrace,
  type PrepareSettings,
  type PreparedTrace,
  type RealSettings,
} from '../real';
import {
  CANCELLED,
  fromTransfer,
  type PrepareResult,
  type SaveRequest,
  type TraceTaskProgress,
  type TraceWorkerApi,
} from '../workers/trace-api';
import { patchRun, patchView, useAppStore } from './store';

/**
 * The page's side of the trace worker (src/workers/trace.worker.ts): a trace
 * file is opened, checked and prepared there; the page gets the rows as a
 * SharedArrayBuffer it reads in place (a token's map is computed here, on
 * click, from those rows), and the prepared maps and scores. A change of the
 * layers, the row reading or the anomaly words is prepared in the worker
 * again, with progress; the previous result stays on screen meanwhile.
 */

export interface TraceTask {
  what: string;
  progress: TraceTaskProgress | null;
  /** Opening can be cancelled (the current run stays); re-preparing is superseded by the next change. */
  cancellable: boolean;
}

/** prepareTrace's result for `trace`, from the worker, for the settings in `key`. */
export interface RemotePrepared {
  trace: AnyTrace;
  key: PrepareSettings;
  prepared: PreparedTrace | null;
  error: string | null;
}

export const useTraceWorker = create<{ task: TraceTask | null; prepared: RemotePrepared | null }>(() => ({
  task: null,
  prepared: null,
}));

// Benchmarks (bench/ui-bench.ts) watch the worker's results.
if (new URLSearchParams(location.search).has('bench'))
  (window as unknown as { __realTraceWorker: unknown }).__realTraceWorker = useTraceWorker;

let worker: Worker | null = null;
let api: Comlink.Remote<TraceWorkerApi> | null = null;
/** Traces whose rows the worker shares (it prepares them); others are prepared on the page. */
const inWorker = new WeakSet<AnyTrace>();

export function isWorkerTrace(trace: AnyTrace | null): boolean {
  return trace !== null && inWorker.has(trace);
}

function client(): Comlink.Remote<TraceWorkerApi> {
  if (api) return api;
  worker = new Worker(new URL('../workers/trace.worker.ts', import.meta.url), {
    type: 'module',
    name: 'trace',
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    worker?.terminate();
    worker = null;
    api = null;
    useTraceWorker.setState({ task: null });
    patchRun({ error: `The trace worker stopped (${e.message || 'an error'}); open the trace again.` });
  });
  api = Comlink.wrap<TraceWorkerApi>(worker);
  watchSettings();
  return api;
}

const keyOf = (s: RealSettings): PrepareSettings => ({
  layers: s.layers,
  rowReading: s.rowReading,
  anomalyWords: s.anomalyWords,
});

const unpack = (r: PrepareResult): PreparedTrace | null => (r.prepared ? fromTransfer(r.prepared) : null);

const setTask = (task: TraceTask | null) => useTraceWorker.setState({ task });
const progressTo = (what: string, cancellable: boolean) =>
  Comlink.proxy((progress: TraceTaskProgress) => setTask({ what, progress, cancellable }));

/** Opens a trace file (either form) in the worker; the current run stays if it fails or is cancelled. */
let opening = 0;
/** The user's opens in flight: the example never starts over one (the worker would cancel it). */
let userOpens = 0;

export async function openTraceFile(file: File, opts: { example?: boolean } = {}): Promise<void> {
  const what = `Opening ${file.name}`;
  // The shipped example opens quietly, and only onto an empty screen.
  const vacant = () => {
    const run = useAppStore.getState().run;
    return !opts.example || (run.status !== 'running' && (run.trace === null || run.example));
  };
  if (opts.example && (userOpens > 0 || !vacant())) return;
  const mine = ++opening;
  if (!opts.example) {
    userOpens++;
    setTask({ what, progress: null, cancellable: true });
  }
  const key = keyOf(useAppStore.getState().view.settings);
  try {
    const opened = await client().open(file, file.name, key, progressTo(what, true));
    // Tens of thousands of row views, made a few tokens per task (no long task on the page).
    const steps = attachBinaryRowsSteps(opened.meta, opened.layout, new Uint8Array(opened.rows), {
      trusted: true,
    });
    let step = steps.next();
    while (!step.done) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      step = steps.next();
    }
    const trace = step.value;
    if (opened.shared) inWorker.add(trace);
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (mine !== opening) return; // another file is being opened: that one wins
    if (!vacant()) {
      // A run or a trace of the user's came first: it stays, and the worker forgets the example.
      if (opened.shared && useAppStore.getState().run.trace !== trace) void api?.close();
      return;
    }
    // The prepared result first, so the first render with the new trace already has it.
    useTraceWorker.setState({
      task: null,
      prepared: { trace, key, prepared: unpack(opened), error: opened.error },
    });
    patchView({ selected: null, hovered: null, group: [] });
    patchRun({
      status: 'done',
      trace,
      imageUrl: traceImageUrl(trace) ?? null,
      maskUrl: trace.mask ?? null,
      imageName: file.name.replace(/\.trace\.json$|\.json$|\.rtrace$/, ''),
      error: null,
      version: useAppStore.getState().run.version + 1,
      example: opts.example === true,
    });
  } catch (e) {
    if (mine !== opening) return; // superseded: the newer open reports
    if (!opts.example) setTask(null);
    const m = (e as Error).message;
    if (m === CANCELLED || opts.example) return;
    // The file's name is said once, here; the reader's "(file): " means the same file.
    patchRun({ error: `${file.name} is not a trace this app can open: ${m.replace(/^\(file\): /, '')}` });
  } finally {
    if (!opts.example) userOpens--;
  }
}

export function cancelTraceTask(): void {
  void api?.cancel();
}

const sameKey = (a: PrepareSettings, b: PrepareSettings) =>
  a.layers?.from === b.layers?.from &&
  a.layers?.to === b.layers?.to &&
  a.rowReading === b.rowReading &&
  a.anomalyWords.join('\n') === b.anomalyWords.join('\n');

let watching = false;

/** Prepares the open worker trace again when a setting it depends on changes; forgets it when another run replaces it. */
function watchSettings(): void {
  if (watching) return;
  watching = true;
  useAppStore.subscribe((state, previous) => {
    const trace = state.run.trace;
    if (trace !== previous.run.trace && !isWorkerTrace(trace)) {
      if (useTraceWorker.getState().prepared) useTraceWorker.setState({ prepared: null, task: null });
      void api?.close();
      return;
    }
    const remote = useTraceWorker.getState().prepared;
    if (!trace || !isWorkerTrace(trace) || !remote || remote.trace !== trace) return;
    const key = keyOf(state.view.settings);
    if (sameKey(key, keyOf(previous.view.settings)) || sameKey(key, remote.key)) return;
    void reprepare(trace, key);
  });
}

async function reprepare(trace: AnyTrace, key: PrepareSettings): Promise<void> {
  const what = 'Recomputing the layer means';
  setTask({ what, progress: null, cancellable: false });
  try {
    const r = await client().prepare(key, progressTo(what, false));
    if (useAppStore.getState().run.trace !== trace) return;
    useTraceWorker.setState({ task: null, prepared: { trace, key, prepared: unpack(r), error: r.error } });
  } catch (e) {
    // Superseded by a newer change: that one reports.
    if ((e as Error).message !== CANCELLED) {
      setTask(null);
      patchRun({ error: (e as Error).message });
    }
  }
}

/** Writes the open worker trace to a Blob in the worker (parts, no string of the whole). */
export async function saveWorkerTrace(request: SaveRequest): Promise<Blob> {
  const what = 'Saving';
  setTask({ what, progress: null, cancellable: false });
  try {
    return await client().save(request, progressTo(what, false));
  } finally {
    setTask(null);
  }
}
