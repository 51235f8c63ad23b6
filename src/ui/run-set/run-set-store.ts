import { create } from 'zustand';
import type { RealSettings } from '../../real';
import type { RunSummaryHeader } from '../../real/run-set/summary-types';
import type { GalleryRow, RunSetFailure } from '../../workers/run-set-api';
import { noFilter, type GalleryFilter, type SortKey } from './gallery-rows';

/**
 * The run sets open in the gallery (A, and B to compare with), what the
 * gallery shows of them (filters, sorting, which tab), and where the user
 * was (so the inspector's "back" returns there). Its own store, beside the
 * app's: the inspector's slices stay as they are; actions are plain module
 * functions, as in store.ts.
 */

export type Slot = 'A' | 'B';

export interface RunSetProgress {
  phase: 'summary' | 'building' | 'done';
  /** Trace files with a row (or a failure) so far, of all in the folder. */
  done: number;
  total: number;
  fromSummary: number;
  built: number;
  failed: number;
}

export interface RunSet {
  /** The folder's name. */
  name: string;
  /** Each trace file by its path in the folder (File objects: references, not contents). */
  files: Map<string, File>;
  rows: GalleryRow[];
  failures: RunSetFailure[];
  progress: RunSetProgress | null;
  loading: boolean;
  header: RunSummaryHeader | null;
  /**
   * The settings the rows are scored with: the summary's when the folder has one (the rows of traces it
   * does not cover are scored with them too), else the app's when the set was opened.
   */
  settings: RealSettings | null;
  scoredWith: 'summary' | 'app';
  report: unknown;
  reportPath: string | null;
  notes: string[];
  error: string | null;
  /** performance.now() at the user's choice, the first rows, and the last (tests and the status line read them). */
  timing: { chosen: number; firstRows: number | null; done: number | null };
}

export type AppMode = 'inspector' | 'gallery' | 'compare';
export type GalleryTab = 'tiles' | 'words' | 'tokens';

export interface RunSetState {
  mode: AppMode;
  sets: Partial<Record<Slot, RunSet>>;
  filter: GalleryFilter;
  sort: { key: SortKey; dir: 'asc' | 'desc' };
  tab: GalleryTab;
  /** The run opened from the gallery (its trace path in set A), and the gallery's scroll then. */
  place: { opened: string | null; scrollTop: number };
}

export const useRunSets = create<RunSetState>(() => ({
  mode: 'inspector',
  sets: {},
  filter: noFilter(),
  sort: { key: 'path', dir: 'asc' },
  tab: 'tiles',
  place: { opened: null, scrollTop: 0 },
}));

const set = useRunSets.setState;
const get = useRunSets.getState;

export function setMode(mode: AppMode): void {
  set({ mode });
}

export function patchSet(slot: Slot, p: Partial<RunSet>): void {
  const cur = get().sets[slot];
  if (!cur) return;
  set({ sets: { ...get().sets, [slot]: { ...cur, ...p } } });
}

export function putSet(slot: Slot, s: RunSet | undefined): void {
  const sets = { ...get().sets };
  if (s) sets[slot] = s;
  else delete sets[slot];
  // Without a second set there is nothing to pair with.
  set({ sets, filter: sets.B ? get().filter : { ...get().filter, pair: 'all' } });
}

export function patchFilter(p: Partial<GalleryFilter>): void {
  set({ filter: { ...get().filter, ...p } });
}

export function setSort(key: SortKey, dir: 'asc' | 'desc'): void {
  set({ sort: { key, dir } });
}

export function setTab(tab: GalleryTab): void {
  set({ tab });
}

export function setPlace(p: Partial<RunSetState['place']>): void {
  set({ place: { ...get().place, ...p } });
}

/** A set being opened, before anything is read. */
export const emptySet = (name: string, files: Map<string, File>): RunSet => ({
  name,
  files,
  rows: [],
  failures: [],
  progress: null,
  loading: true,
  header: null,
  settings: null,
  scoredWith: 'app',
  report: null,
  reportPath: null,
  notes: [],
  error: null,
  timing: { chosen: performance.now(), firstRows: null, done: null },
});

/** For tests. */
export function resetRunSets(): void {
  set({
    mode: 'inspector',
    sets: {},
    filter: noFilter(),
    sort: { key: 'path', dir: 'asc' },
    tab: 'tiles',
    place: { opened: null, scrollTop: 0 },
  });
}
