import * as Comlink from 'comlink';
import {
  attachBinaryRowsSteps,
  prepareTrace,
  traceImageUrl,
  type AnyTrace,
  type PrepareSettings,
} from '../../real';
import { CANCELLED, fromTransfer, type TraceWorkerApi } from '../../workers/trace-api';
import { setMode, useRunSets } from '../run-set/run-set-store';
import { useAppStore } from '../store';
import { isWorkerTrace, useTraceWorker } from '../trace-client';
import { putSide, setOpening, patchCompare, useCompare, type CompareSide, type Side } from './compare-store';

/**
 * Opening the two sides of a comparison. Each side has a trace worker of its
 * own (the same worker as the inspector's, another instance), so both open
 * at once and neither disturbs the run in the inspector; the rows come back
 * shared, as they do for the inspector.
 */

const workers: Partial<Record<Side, Comlink.Remote<TraceWorkerApi>>> = {};

function client(side: Side): Comlink.Remote<TraceWorkerApi> {
  let api = workers[side];
  if (api) return api;
  const worker = new Worker(new URL('../../workers/trace.worker.ts', import.meta.url), {
    type: 'module',
    name: `compare-${side}`,
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    worker.terminate();
    delete workers[side];
    setOpening(side, null);
    patchCompare({
      error: `The trace reader for ${side} stopped (${e.message || 'an error'}); open it again.`,
    });
  });
  api = Comlink.wrap<TraceWorkerApi>(worker);
  workers[side] = api;
  return api;
}

export const prepareKey = (): PrepareSettings => {
  const s = useAppStore.getState().view.settings;
  return { layers: s.layers, rowReading: s.rowReading, anomalyWords: s.anomalyWords };
};

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Opens a trace file onto one side; the side's previous run stays if it fails. */
export async function openSideFile(side: Side, file: Blob, name: string): Promise<boolean> {
  setOpening(side, name);
  const key = prepareKey();
  try {
    const opened = await client(side).open(
      file,
      name,
      key,
      Comlink.proxy(() => {}),
    );
    const steps = attachBinaryRowsSteps(opened.meta, opened.layout, new Uint8Array(opened.rows), {
      trusted: true,
    });
    let step = steps.next();
    while (!step.done) {
      await tick();
      step = steps.next();
    }
    const trace = step.value;
    putSide(side, {
      name,
      trace,
      prepared: opened.prepared ? fromTransfer(opened.prepared) : null,
      preparedFor: key,
      error: opened.error,
      imageUrl: traceImageUrl(trace) ?? null,
      maskUrl: trace.mask ?? null,
    });
    void client(side).close();
    return true;
  } catch (e) {
    const m = (e as Error).message;
    if (m !== CANCELLED) patchCompare({ error: `${name} is not a trace this app can open: ${m}` });
    return false;
  } finally {
    setOpening(side, null);
  }
}

/** The inspector's run as side A (its prepared result as the inspector has it). */
export function inspectorSide(): CompareSide | null {
  const run = useAppStore.getState().run;
  const trace: AnyTrace | null = run.trace;
  if (!trace) return null;
  const key = prepareKey();
  const remote = useTraceWorker.getState().prepared;
  let prepared = null;
  let error: string | null = null;
  if (isWorkerTrace(trace) && remote?.trace === trace) {
    prepared = remote.prepared;
    error = remote.error;
  } else if (trace.generated.length) {
    try {
      prepared = prepareTrace(trace, key);
    } catch (e) {
      error = (e as Error).message;
    }
  }
  return {
    name: run.imageName ?? 'the inspector’s run',
    trace,
    prepared,
    preparedFor: key,
    error,
    imageUrl: run.imageUrl,
    maskUrl: run.maskUrl,
  };
}

/** The inspector's run beside a second trace of the same image. */
export async function compareWithInspector(file: File): Promise<void> {
  const a = inspectorSide();
  if (!a) return;
  putSide('A', a);
  patchCompare({ error: null, selection: null });
  setMode('compare');
  await openSideFile('B', file, file.name.replace(/\.trace\.json$|\.json$|\.rtrace$/, ''));
}

/** The same image's runs from sets A and B, side by side. */
export async function openPairFromSets(id: string): Promise<void> {
  const { sets } = useRunSets.getState();
  const ra = sets.A?.rows.find((r) => r.id === id);
  const rb = sets.B?.rows.find((r) => r.id === id);
  const fa = ra && sets.A?.files.get(ra.trace);
  const fb = rb && sets.B?.files.get(rb.trace);
  if (!fa || !fb) return;
  patchCompare({ error: null, selection: null });
  setMode('compare');
  await Promise.all([
    openSideFile('A', fa, `${id} (${sets.A!.name})`),
    openSideFile('B', fb, `${id} (${sets.B!.name})`),
  ]);
}

/** Sides prepared for other settings than the app's (a layer range changed) are prepared again, on the page. */
export function reprepareSides(): void {
  const key = prepareKey();
  const same = (a: PrepareSettings, b: PrepareSettings) =>
    a.layers?.from === b.layers?.from &&
    a.layers?.to === b.layers?.to &&
    a.rowReading === b.rowReading &&
    a.anomalyWords.join('\n') === b.anomalyWords.join('\n');
  for (const side of ['A', 'B'] as Side[]) {
    const s = useCompare.getState().sides[side];
    if (!s || same(s.preparedFor, key)) continue;
    try {
      putSide(side, { ...s, prepared: prepareTrace(s.trace, key), preparedFor: key, error: null });
    } catch (e) {
      putSide(side, { ...s, prepared: null, preparedFor: key, error: (e as Error).message });
    }
  }
}
