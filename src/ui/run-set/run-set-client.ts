import * as Comlink from 'comlink';
import type { RunSetBatch, RunSetFile, RunSetWorkerApi } from '../../workers/run-set-api';
import { byPath, isReportFile, isSummaryFile, isTraceFile } from '../../workers/run-set/open-run-set';
import { CANCELLED } from '../../workers/trace-api';
import type { RealSettings } from '../../real';
import { useAppStore } from '../store';
import { openTraceFile } from '../trace-client';
import type { FolderFiles } from './folder-files';
import { galleryList } from './gallery-list';
import {
  emptySet,
  patchSet,
  putSet,
  setMode,
  setPlace,
  useRunSets,
  type RunSetProgress,
  type Slot,
} from './run-set-store';

/**
 * The page's side of the run-set workers: a folder is handed over as File
 * references (nothing is read here), rows come back in batches into the
 * run-set store. The first worker reads the summaries; the traces they do
 * not cover are split over a few workers (scoring is the slow part, and a
 * page's main thread has little to do meanwhile). Each slot has its own
 * workers, so opening a second set never stops the first. Opening a run
 * from the gallery goes through the trace worker, as any trace file does.
 */

/** Workers per slot: two at least (the page's thread is mostly idle while a set loads), at most four. */
const LANES = Math.max(2, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2)));

const workers: Partial<Record<Slot, Comlink.Remote<RunSetWorkerApi>[]>> = {};

function client(slot: Slot, lane: number): Comlink.Remote<RunSetWorkerApi> {
  const list = (workers[slot] ??= []);
  if (list[lane]) return list[lane];
  const worker = new Worker(new URL('../../workers/run-set.worker.ts', import.meta.url), {
    type: 'module',
    name: `run-set-${slot}-${lane}`,
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    worker.terminate();
    delete workers[slot]?.[lane];
    patchSet(slot, {
      loading: false,
      error: `The run-set reader stopped (${e.message || 'an error'}); open the folder again.`,
    });
  });
  list[lane] = Comlink.wrap<RunSetWorkerApi>(worker);
  return list[lane];
}

let opening: Partial<Record<Slot, number>> = {};

/**
 * Opens a folder into a slot. With `rescore`, its summaries and report are
 * left unread and every trace is scored with the app's settings.
 */
export async function openRunSet(folder: FolderFiles, slot: Slot, rescore = false): Promise<void> {
  const mine = (opening[slot] ?? 0) + 1;
  opening = { ...opening, [slot]: mine };
  const files = new Map(folder.files.map((f) => [f.path, f.file as File]));
  performance.mark('real:run-set-chosen', { detail: slot });
  putSet(slot, emptySet(folder.name, files));
  setMode('gallery');
  if (slot === 'A') setPlace({ opened: null, scrollTop: 0 });
  const traces = folder.files.filter((f) => isTraceFile(f.path));
  if (traces.length === 0) {
    patchSet(slot, {
      loading: false,
      error: `${folder.name}: no trace files (.json or .rtrace) in this folder`,
    });
    return;
  }
  const progress: RunSetProgress = {
    phase: 'summary',
    done: 0,
    total: traces.length,
    fromSummary: 0,
    built: 0,
    failed: 0,
  };
  const live = () => opening[slot] === mine;
  // Rows are put in the store in batches of their own: the first at once (the first tiles), then at
  // most every APPLY_MS or APPLY_ROWS rows, so the page redraws a few dozen times, not once a message.
  let pending: RunSetBatch = { rows: [], failures: [] };
  let applied = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const apply = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const cur = useRunSets.getState().sets[slot];
    const b = pending;
    pending = { rows: [], failures: [] };
    applied = performance.now();
    if (!live() || !cur || b.rows.length + b.failures.length === 0) return;
    for (const r of b.rows) progress[r.source === 'summary' ? 'fromSummary' : 'built']++;
    progress.failed += b.failures.length;
    progress.done += b.rows.length + b.failures.length;
    const first = cur.rows.length === 0 && b.rows.length > 0;
    if (first) performance.mark('real:run-set-first-rows', { detail: slot });
    patchSet(slot, {
      rows: b.rows.length ? cur.rows.concat(b.rows) : cur.rows,
      failures: b.failures.length ? cur.failures.concat(b.failures) : cur.failures,
      progress: { ...progress },
      timing: first ? { ...cur.timing, firstRows: performance.now() } : cur.timing,
    });
  };
  const onBatch = (b: RunSetBatch) => {
    if (!live()) return;
    pending.rows.push(...b.rows);
    pending.failures.push(...b.failures);
    const cur = useRunSets.getState().sets[slot];
    if (!cur?.rows.length || pending.rows.length >= APPLY_ROWS) apply();
    else timer ??= setTimeout(apply, Math.max(0, APPLY_MS - (performance.now() - applied)));
  };
  const batches = Comlink.proxy(onBatch);
  try {
    const found = await client(slot, 0).summaries(
      rescore ? [] : folder.files.filter((f) => isSummaryFile(f.path) || isReportFile(f.path)),
      traces.map((f) => f.path),
      batches,
    );
    if (!live()) return;
    // The traces no summary covers are scored as the summary's rows were, so the set is one scoring.
    const settings = found.settings ?? useAppStore.getState().view.settings;
    patchSet(slot, {
      header: found.header,
      settings,
      scoredWith: found.settings ? 'summary' : 'app',
      report: found.report,
      reportPath: found.reportPath,
      notes: found.notes,
    });
    const covered = new Set(found.covered);
    const rest = traces.filter((f) => !covered.has(f.path)).sort(byPath);
    progress.phase = 'building';
    patchSet(slot, { progress: { ...progress } });
    // Dealt round-robin, so each lane gets every category's share.
    const lanes: RunSetFile[][] = Array.from({ length: Math.min(LANES, Math.max(1, rest.length)) }, () => []);
    rest.forEach((f, i) => lanes[i % lanes.length].push(f));
    await Promise.all(lanes.map((part, i) => feed(client(slot, i), part, settings, batches, live)));
    apply();
    if (!live()) return;
    progress.phase = 'done';
    const cur = useRunSets.getState().sets[slot]!;
    patchSet(slot, {
      loading: false,
      progress: { ...progress },
      timing: { ...cur.timing, done: performance.now() },
    });
    performance.mark('real:run-set-done', { detail: slot });
  } catch (e) {
    apply();
    if (!live()) return;
    const m = (e as Error).message;
    cancelRunSet(slot);
    patchSet(
      slot,
      m === CANCELLED
        ? { loading: false, notes: ['Stopped: the rows read so far are shown.'] }
        : { loading: false, error: m },
    );
  }
}

const APPLY_MS = 300;
const APPLY_ROWS = 128;

/** Files go to a worker in parts this small (cloning a File costs the page), this many parts in flight. */
const PART = 8;
const PARTS_IN_FLIGHT = 2;

/** One lane's traces, handed to its worker part by part, a couple of parts ahead of what it has done. */
async function feed(
  api: Comlink.Remote<RunSetWorkerApi>,
  traces: RunSetFile[],
  settings: RealSettings,
  onBatch: (b: RunSetBatch) => void,
  live: () => boolean,
): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < traces.length && live()) {
      const part = traces.slice(next, next + PART);
      next += PART;
      // Each handing-over in a task of its own (the page clones the Files as it posts).
      await new Promise((resolve) => setTimeout(resolve, 0));
      await api.build(part, settings, onBatch);
    }
  };
  await Promise.all(Array.from({ length: PARTS_IN_FLIGHT }, run));
}

/** Scores every trace of a slot's set again with the app's settings (its summaries set aside). */
export function rescoreRunSet(slot: Slot): void {
  const s = useRunSets.getState().sets[slot];
  if (!s || s.loading) return;
  cancelRunSet(slot);
  const files = [...s.files].map(([path, file]) => ({ path, file }));
  void openRunSet({ name: s.name, files }, slot, true);
}

export function cancelRunSet(slot: Slot): void {
  for (const w of workers[slot] ?? []) void w?.cancel();
}

export function closeRunSet(slot: Slot): void {
  cancelRunSet(slot);
  opening = { ...opening, [slot]: (opening[slot] ?? 0) + 1 };
  putSet(slot, undefined);
}

/** Opens one run of set A in the inspector, keeping the gallery's place. */
export function openRow(trace: string, scrollTop?: number): void {
  const file = useRunSets.getState().sets.A?.files.get(trace);
  if (!file) return;
  setPlace({ opened: trace, ...(scrollTop !== undefined ? { scrollTop } : {}) });
  setMode('inspector');
  void openTraceFile(file);
}

/** The next (+1) or previous (−1) run of the gallery's filtered, sorted list, opened in the inspector. */
export function stepRow(by: 1 | -1): void {
  const s = useRunSets.getState();
  const list = galleryList(s);
  const at = list.findIndex((r) => r.trace === s.place.opened);
  const next = list[at + by];
  if (at >= 0 && next) openRow(next.trace);
}
