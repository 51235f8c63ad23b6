import { parseTrace, serializeTrace } from '../../real';
import { checkTraceImages } from '../../workers/engine/image-header';
import { download } from '../download';
import { patchRun, patchView, useAppStore } from '../store';

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

/** Save the run as a trace file (with its image), or open one: no model is needed to inspect it. */
export function TraceFiles() {
  const run = useAppStore((s) => s.run);
  const settings = useAppStore((s) => s.view.settings);
  const save = async () => {
    if (!run.trace) return;
    const trace = {
      ...run.trace,
      image: run.trace.image ?? (await imageDataUrl(run.imageUrl)),
      settings: { ...settings },
    };
    download(
      `${run.imageName ?? 'run'}.trace.json`,
      new Blob([serializeTrace(trace)], { type: 'application/json' }),
    );
  };
  const open = async (file: File) => {
    try {
      const trace = parseTrace(await file.text());
      checkTraceImages(trace);
      patchView({ selected: null, hovered: null });
      patchRun({
        status: 'done',
        trace,
        imageUrl: (typeof trace.image === 'string' ? trace.image : trace.image?.dataUrl) ?? null,
        maskUrl: trace.mask ?? null,
        imageName: file.name.replace(/\.trace\.json$|\.json$/, ''),
        error: null,
        version: useAppStore.getState().run.version + 1,
      });
    } catch (e) {
      // The current run stays as it was.
      patchRun({ error: `${file.name} is not a trace this app can open: ${(e as Error).message}` });
    }
  };
  return (
    <div className="row trace-files">
      <button
        disabled={!run.trace || run.status === 'running'}
        onClick={() => void save()}
        data-testid="trace.save"
      >
        Save run
      </button>
      <label>
        Open a saved run{' '}
        <input
          type="file"
          accept=".json,application/json"
          onChange={(e) => e.target.files?.[0] && void open(e.target.files[0])}
          data-testid="trace.open"
        />
      </label>
    </div>
  );
}
