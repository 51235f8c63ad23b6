import { create } from 'zustand';
import type { AnyTrace, PreparedTrace, PrepareSettings } from '../../real';
import type { DiffScale, TokenKey } from './diff';

/**
 * Two runs of one image side by side: each side's trace (opened in its own
 * trace worker, or the inspector's run), the token chosen on both (by its
 * text and its place among equal texts), and how the maps are coloured.
 */

export type Side = 'A' | 'B';

export interface CompareSide {
  /** What the side shows, for its heading (a file name, or an id and its set). */
  name: string;
  trace: AnyTrace;
  /** prepareTrace's result, and the settings it was made for. */
  prepared: PreparedTrace | null;
  preparedFor: PrepareSettings;
  error: string | null;
  imageUrl: string | null;
  maskUrl: string | null;
}

export interface CompareState {
  sides: Partial<Record<Side, CompareSide>>;
  /** What is being opened on a side (shown while it is). */
  opening: Partial<Record<Side, string>>;
  error: string | null;
  /** The token shown on both sides; null for the ReAL maps. */
  selection: TokenKey | null;
  /** One colour range for both maps (the union of their ranges) instead of each its own. */
  sharedScale: boolean;
  /** The difference of min–max normalised maps, or of raw values. */
  diffScale: DiffScale;
}

export const useCompare = create<CompareState>(() => ({
  sides: {},
  opening: {},
  error: null,
  selection: null,
  sharedScale: true,
  diffScale: 'min-max',
}));

const set = useCompare.setState;
const get = useCompare.getState;

export function putSide(side: Side, s: CompareSide | undefined): void {
  const sides = { ...get().sides };
  if (s) sides[side] = s;
  else delete sides[side];
  set({ sides });
}

export function setOpening(side: Side, what: string | null): void {
  const opening = { ...get().opening };
  if (what) opening[side] = what;
  else delete opening[side];
  set({ opening });
}

export function patchCompare(p: Partial<Omit<CompareState, 'sides' | 'opening'>>): void {
  set(p);
}

export function chooseToken(key: TokenKey | null): void {
  set({ selection: key });
}

/** For tests. */
export function resetCompare(): void {
  set({ sides: {}, opening: {}, error: null, selection: null, sharedScale: true, diffScale: 'min-max' });
}
