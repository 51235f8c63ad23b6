import { binaryTraceParts, traceJsonParts, type AnyTrace } from '../../real';
import { blobFromParts } from '../../workers/blob-parts';
import { download } from '../download';
import { patchRun, useAppStore } from '../store';
import {
  cancelTraceTask,
  isWorkerTrace,
  openTraceFile,
  saveWorkerTrace,
  useTraceWorker,
} from '../trace-client';

async function imageDataUrl(url: string | null): Promise<string | undefined> {
  if (!url) return undefined;
  if (url.startsWith('data:')) return url;
  const blob = await (await fetch(url)).blob();
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.readAsDataURL(blob);
  });
}

/**
 * Save the run as a trace file (with its image), JSON or binary (.rtrace,
 * docs/trace-binary.md), or open one of either form: no model is needed to
 * inspect it. Opening runs in the trace worker, with progress and cancel;
 * saving writes the file in parts, never as one string of the whole.
 */
export function TraceFiles() {
  const run = useAppStore((s) => s.run);
  const settings = useAppStore((s) => s.view.settings);
  const task = useTraceWorker((s) => s.task);
  const save = async (form: 'json' | 'binary') => {
    const trace = run.trace;
    if (!trace) return;
    const overrides = { image: trace.image ?? (await imageDataUrl(run.imageUrl)), settings: { ...settings } };
    const name = `${run.imageName ?? 'run'}${form === 'json' ? '.trace.json' : '.rtrace'}`;
    try {
      // A trace opened from a file is written by the worker that holds it; a live run's here.
      const blob = isWorkerTrace(trace)
        ? await saveWorkerTrace({ form, overrides })
        : await blobOf({ ...trace, ...overrides }, form);
      download(name, blob);
    } catch (e) {
      patchRun({ error: `Saving failed: ${(e as Error).message}` });
    }
  };
  return (
    <div className="row trace-files">
      <button
        disabled={!run.trace || run.status === 'running'}
        onClick={() => void save('json')}
        data-testid="trace.save"
      >
        Save run
      </button>
      <button
        disabled={!run.trace || run.status === 'running'}
        onClick={() => void save('binary')}
        title="The binary form (float16 rows): a quarter of the JSON's size"
        data-testid="trace.save-binary"
      >
        Save as .rtrace
      </button>
      <label>
        Open a saved run{' '}
        <input
          type="file"
          accept=".json,.rtrace,application/json"
          onChange={(e) => e.target.files?.[0] && void openTraceFile(e.target.files[0])}
          data-testid="trace.open"
        />
      </label>
      {task && (
        <span className="hint" data-testid="trace.progress">
          {task.what}
          {task.progress && task.progress.total > 0
            ? ` (${task.progress.phase}, ${Math.round((100 * task.progress.done) / task.progress.total)} %)`
            : '…'}
          {task.cancellable && (
            <button onClick={cancelTraceTask} data-testid="trace.cancel">
              Cancel
            </button>
          )}
        </span>
      )}
    </div>
  );
}

function blobOf(trace: AnyTrace, form: 'json' | 'binary'): Promise<Blob> {
  return form === 'json'
    ? blobFromParts(traceJsonParts(trace), 'application/json')
    : blobFromParts(binaryTraceParts(trace).parts, 'application/octet-stream');
}
