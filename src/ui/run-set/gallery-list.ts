import type { GalleryRow } from '../../workers/run-set-api';
import { byId, filterRows, sortRows, type GalleryFilter, type SortKey } from './gallery-rows';
import { useRunSets, type RunSetState } from './run-set-store';

/**
 * Set A's rows as the gallery shows them (filtered, then sorted), computed
 * once per change of the rows, the filter or the sort, for the gallery, the
 * inspector's ← / → and the export alike.
 */
let last: {
  rows: GalleryRow[] | undefined;
  other: GalleryRow[] | undefined;
  filter: GalleryFilter;
  sort: { key: SortKey; dir: 'asc' | 'desc' };
  list: GalleryRow[];
} | null = null;

const otherIds = new WeakMap<GalleryRow[], Map<string, GalleryRow>>();

export function pairedRows(rows: GalleryRow[] | undefined): Map<string, GalleryRow> | undefined {
  if (!rows) return undefined;
  let m = otherIds.get(rows);
  if (!m) otherIds.set(rows, (m = byId(rows)));
  return m;
}

export function galleryList(s: Pick<RunSetState, 'sets' | 'filter' | 'sort'>): GalleryRow[] {
  const rows = s.sets.A?.rows;
  const other = s.sets.B?.rows;
  if (last && last.rows === rows && last.other === other && last.filter === s.filter && last.sort === s.sort)
    return last.list;
  const list = rows ? sortRows(filterRows(rows, s.filter, pairedRows(other)), s.sort.key, s.sort.dir) : [];
  last = { rows, other, filter: s.filter, sort: s.sort, list };
  return list;
}

export function useGalleryList(): GalleryRow[] {
  return useRunSets(galleryList);
}
