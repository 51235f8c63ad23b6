import { csvFormat } from 'd3';
import { useMemo } from 'react';
import { download } from '../../download';
import { setNumbers, type CategoryNumbers, type SetNumbers } from '../../run-set/set-numbers';
import { useRunSets } from '../../run-set/run-set-store';
import { fmt } from './GalleryTile';

type Metric = 'imageAuroc' | 'imageAupr' | 'f1Max' | 'acc' | 'pixelAuroc' | 'aupro';
const METRICS: Metric[] = ['imageAuroc', 'imageAupr', 'f1Max', 'acc', 'pixelAuroc', 'aupro'];
const HEADS: Record<Metric, string> = {
  imageAuroc: 'image AUROC',
  imageAupr: 'image AUPR',
  f1Max: 'F1-max',
  acc: 'ACC',
  pixelAuroc: 'pixel AUROC',
  aupro: 'AUPRO',
};

function useNumbers(slot: 'A' | 'B'): SetNumbers | null {
  const s = useRunSets((st) => st.sets[slot]);
  const chosen = useRunSets((st) => st.filter.categories);
  const rows = s?.rows;
  const report = s?.report;
  return useMemo(
    () => (rows && rows.length ? setNumbers(rows, report, chosen) : null),
    [rows, report, chosen],
  );
}

const delta = (a: number | null, b: number | null) =>
  a === null || b === null ? 'n/a' : `${b - a >= 0 ? '+' : '−'}${Math.abs(b - a).toFixed(3)}`;

export function numbersCsv(a: SetNumbers, b: SetNumbers | null): string {
  const byName = new Map(b?.categories.map((c) => [c.category, c]));
  const rows = [...a.categories, a.mean].map((c) => {
    const other = c === a.mean ? b?.mean : byName.get(c.category);
    const out: Record<string, string | number> = {
      category: c.category,
      images: c.images,
      anomalous: c.anomalous,
    };
    for (const m of METRICS) {
      out[b ? `A ${HEADS[m]}` : HEADS[m]] = c[m] ?? '';
      if (b) {
        out[`B ${HEADS[m]}`] = other?.[m] ?? '';
        out[`B−A ${HEADS[m]}`] = c[m] !== null && other?.[m] != null ? other[m]! - c[m]! : '';
      }
    }
    return out;
  });
  return csvFormat(rows);
}

/**
 * The set's numbers per category and their mean (the paper's macro
 * average), for the categories the filter chose (all when none): the CLI's
 * report when the folder has one, else computed from the rows, said under
 * the table. With a second set, each cell shows A, B and B − A.
 */
export function SetNumbersTable() {
  const a = useNumbers('A');
  const b = useNumbers('B');
  const nameA = useRunSets((s) => s.sets.A?.name);
  if (!a) return null;
  const byName = new Map(b?.categories.map((c) => [c.category, c]));
  const cell = (x: CategoryNumbers, other: CategoryNumbers | undefined, m: Metric) =>
    b ? (
      <>
        {fmt(x[m])} <span className="vs">→ {fmt(other?.[m] ?? null)}</span>{' '}
        <span className="delta">({delta(x[m], other?.[m] ?? null)})</span>
      </>
    ) : (
      fmt(x[m])
    );
  const said = (n: SetNumbers) =>
    n.source === 'report'
      ? 'from the report of real eval (pixel numbers of the ReAL map pooled over every pixel of every image, as the CLI’s table)'
      : 'computed from the rows (image numbers exact; pixel AUROC and AUPRO are the mean over anomalous images of each image’s own, not pooled)';
  return (
    <section className="panel set-numbers" aria-label="The set’s numbers" data-testid="set-numbers">
      <table className="working" data-testid="set-numbers.table" data-source={a.source}>
        <caption>{b ? 'A → B (B − A) per category' : `${nameA ?? 'The set'}, per category`}</caption>
        <thead>
          <tr>
            <th scope="col">category</th>
            <th scope="col">images</th>
            <th scope="col">anomalous</th>
            {METRICS.map((m) => (
              <th scope="col" key={m}>
                {HEADS[m]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {a.categories.map((c) => (
            <tr key={c.category} data-testid="set-numbers.row" data-category={c.category}>
              <th scope="row">{c.category}</th>
              <td data-testid="set-numbers.images">{c.images}</td>
              <td data-testid="set-numbers.anomalous">{c.anomalous}</td>
              {METRICS.map((m) => (
                <td key={m} data-testid={`set-numbers.${m}`}>
                  {cell(c, byName.get(c.category), m)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="set-numbers.mean">
            <th scope="row">mean of {a.categories.length}</th>
            <td>{a.mean.images}</td>
            <td>{a.mean.anomalous}</td>
            {METRICS.map((m) => (
              <td key={m}>{cell(a.mean, b?.mean, m)}</td>
            ))}
          </tr>
        </tfoot>
      </table>
      <p className="hint" data-testid="set-numbers.source">
        {b ? `A: ${said(a)}. B: ${said(b)}.` : `Numbers ${said(a)}.`}
        <button
          className="linklike"
          onClick={() => download('set-numbers.csv', new Blob([numbersCsv(a, b)], { type: 'text/csv' }))}
          data-testid="set-numbers.csv"
        >
          CSV
        </button>
      </p>
    </section>
  );
}
