import { useMemo } from 'react';
import {
  counts,
  outcomeCounts,
  OUTCOME_LABELS,
  OUTCOMES,
  SORT_LABELS,
  type PairFilter,
  type SortKey,
} from '../../run-set/gallery-rows';
import { useGalleryList } from '../../run-set/gallery-list';
import { patchFilter, setSort, useRunSets } from '../../run-set/run-set-store';
import { categoryName } from '../../run-set/set-numbers';

const toggle = <T,>(list: readonly T[], v: T): T[] =>
  list.includes(v) ? list.filter((x) => x !== v) : [...list, v];

const PAIRS: Record<PairFilter, string> = {
  all: 'every image',
  'a-right-b-wrong': 'A right and B wrong',
  'b-right-a-wrong': 'B right and A wrong',
  'both-right': 'both right',
  'both-wrong': 'both wrong',
};

/**
 * The gallery's filters (outcome, category, defect type; with a second set,
 * how A and B answered) and its sorting. Each choice shows how many runs it
 * has; none chosen in a group means all of it.
 */
export function GalleryFilters() {
  const rows = useRunSets((s) => s.sets.A?.rows);
  const hasB = useRunSets((s) => !!s.sets.B);
  const filter = useRunSets((s) => s.filter);
  const sort = useRunSets((s) => s.sort);
  const shown = useGalleryList().length;
  const all = useMemo(() => rows ?? [], [rows]);
  const outcomes = useMemo(() => outcomeCounts(all), [all]);
  const categories = useMemo(() => counts(all, 'category'), [all]);
  // Defects of the chosen categories.
  const defects = useMemo(
    () =>
      counts(
        filter.categories.length ? all.filter((r) => filter.categories.includes(r.category)) : all,
        'defect',
      ),
    [all, filter.categories],
  );
  return (
    <section className="panel gallery-filters" aria-label="Filters and sorting" data-testid="gallery.filters">
      <fieldset>
        <legend>Outcome</legend>
        {OUTCOMES.filter((o) => outcomes[o] > 0 || filter.outcomes.includes(o)).map((o) => (
          <label key={o} title={OUTCOME_LABELS[o]}>
            <input
              type="checkbox"
              checked={filter.outcomes.includes(o)}
              onChange={() => patchFilter({ outcomes: toggle(filter.outcomes, o) })}
              data-testid={`filter.outcome.${o}`}
            />{' '}
            {o === 'unknown' || o === 'unlabelled' ? OUTCOME_LABELS[o] : `${o} (${OUTCOME_LABELS[o]})`}{' '}
            <span className="count">{outcomes[o]}</span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Category</legend>
        {categories.map(([c, n]) => (
          <label key={categoryName(c)}>
            <input
              type="checkbox"
              checked={filter.categories.includes(c)}
              onChange={() => patchFilter({ categories: toggle(filter.categories, c), defects: [] })}
              data-testid={`filter.category.${categoryName(c)}`}
            />{' '}
            {categoryName(c)} <span className="count">{n}</span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Defect type</legend>
        {defects.map(([d, n]) => (
          <label key={categoryName(d)}>
            <input
              type="checkbox"
              checked={filter.defects.includes(d)}
              onChange={() => patchFilter({ defects: toggle(filter.defects, d) })}
              data-testid={`filter.defect.${categoryName(d)}`}
            />{' '}
            {categoryName(d)} <span className="count">{n}</span>
          </label>
        ))}
      </fieldset>
      <div className="gallery-sort">
        {hasB && (
          <label>
            A and B{' '}
            <select
              value={filter.pair}
              onChange={(e) => patchFilter({ pair: e.target.value as PairFilter })}
              data-testid="filter.pair"
            >
              {Object.entries(PAIRS).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Sort by{' '}
          <select
            value={sort.key}
            onChange={(e) => setSort(e.target.value as SortKey, sort.dir)}
            data-testid="gallery.sort"
          >
            {Object.entries(SORT_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <select
          value={sort.dir}
          onChange={(e) => setSort(sort.key, e.target.value as 'asc' | 'desc')}
          aria-label="Sort direction"
          data-testid="gallery.sort-dir"
        >
          <option value="asc">lowest first</option>
          <option value="desc">highest first</option>
        </select>
        <span data-testid="gallery.shown" aria-live="polite">
          {shown} of {all.length} runs shown
        </span>
      </div>
    </section>
  );
}
