import { MAP_MODES, MAP_MODE_LABELS, type EvalReport, type MapMode, type SetReport } from '../real';

/**
 * The evaluation as tables, for people: the whole set's numbers, then the
 * paper's Table 3 layout (all tokens / S_I only / S_T only / ReAL) per
 * category and on average (the macro mean over categories). `tableRows`
 * gives the same rows for `--format csv|md`. The JSON is for programs.
 */

const f = (x: number) => (Number.isNaN(x) ? '  n/a' : x.toFixed(3));

/** One row of the Table 3 layout: a set (a category, the mean, or the whole set) and a map. */
export interface TableRow {
  set: string;
  map: MapMode;
  images: number | null;
  anomalous: number | null;
  imageAuroc: number;
  imageAupr: number;
  imageF1Max: number;
  imageAcc: number;
  pixelAuroc: number;
  pixelAupr: number;
  pixelF1Max: number;
  pixelAupro: number;
}

function rowsOf(name: string, r: Pick<SetReport, 'image' | 'pixel'> & Partial<SetReport>): TableRow[] {
  return MAP_MODES.map((m) => ({
    set: name,
    map: m,
    images: r.images ?? null,
    anomalous: r.anomalous ?? null,
    imageAuroc: r.image.auroc,
    imageAupr: r.image.aupr,
    imageF1Max: r.image.f1Max,
    imageAcc: r.image.acc,
    pixelAuroc: r.pixel[m].all.auroc,
    pixelAupr: r.pixel[m].all.aupr,
    pixelF1Max: r.pixel[m].all.f1Max,
    pixelAupro: r.pixel[m].all.aupro,
  }));
}

/** Every category's rows, then the mean's, then the whole set pooled (`all`). */
export function tableRows(r: EvalReport): TableRow[] {
  const out: TableRow[] = [];
  if (r.categories) for (const [name, c] of Object.entries(r.categories)) out.push(...rowsOf(name, c));
  if (r.mean) {
    const m = r.mean;
    out.push(
      ...rowsOf('mean', {
        image: { ...m.image, scoredBy: 'answerProbability', missingAnswerProbability: 0 },
        pixel: Object.fromEntries(
          MAP_MODES.map((mode) => [
            mode,
            {
              all: { ...m.pixel[mode].all, positives: 0, negatives: 0, regions: 0 },
              anomalous: { ...m.pixel[mode].anomalous, positives: 0, negatives: 0, regions: 0 },
            },
          ]),
        ) as SetReport['pixel'],
      }),
    );
  }
  out.push(...rowsOf(r.categories ? 'all (pooled)' : 'all', r));
  return out;
}

/** Why numbers are n/a: one line per set with no anomalous image or no P(yes). */
function notes(r: EvalReport): string[] {
  const sets: [string, SetReport][] = [...Object.entries(r.categories ?? {}), ['all', r]];
  const out: string[] = [];
  for (const [name, s] of sets) {
    if (s.anomalous === 0)
      out.push(
        `${name}: no anomalous image, so AUROC, AUPR, F1-max and AUPRO are undefined (n/a; null in the JSON)`,
      );
    else if (s.anomalous === s.images)
      out.push(`${name}: no normal image, so image AUROC is undefined (n/a; null in the JSON)`);
    if (s.image.missingAnswerProbability)
      out.push(
        `${name}: ${s.image.missingAnswerProbability} answers never reached <answer>, so have no P(yes): image AUROC/AUPR undefined`,
      );
  }
  if (r.mean) {
    const left = Object.entries(r.mean.undefinedIn);
    if (left.length)
      out.push(
        `mean: over the categories where a number is defined (${[...new Set(left.flatMap(([, c]) => c))].join(', ')} left out where n/a)`,
      );
  }
  return out;
}

/** The evaluation as plain text for standard error. */
export function formatReport(r: EvalReport): string {
  const lines = [
    `${r.images} images (${r.anomalous} anomalous); pixel metrics over every pixel at each image's original size`,
    `image  AUROC ${f(r.image.auroc)}  AUPR ${f(r.image.aupr)}  F1-max ${f(r.image.f1Max)}  ACC ${f(r.image.acc)}  (score: P(yes))`,
    '',
    'pixel map              AUROC   AUPR  AUPRO  | anomalous only: AUROC   AUPR  AUPRO',
  ];
  for (const m of MAP_MODES) {
    const p = r.pixel[m];
    lines.push(
      `${MAP_MODE_LABELS[m].padEnd(22)} ${f(p.all.auroc)}  ${f(p.all.aupr)}  ${f(p.all.aupro)}  |                 ${f(p.anomalous.auroc)}  ${f(p.anomalous.aupr)}  ${f(p.anomalous.aupro)}`,
    );
  }
  if (r.categories) {
    const width = Math.max(12, ...Object.keys(r.categories).map((c) => c.length + 1));
    lines.push(
      '',
      `Table 3 layout, per category (pixel numbers over every pixel of the category; mean = macro average)`,
      `${'category'.padEnd(width)} ${'map'.padEnd(20)} img AUROC  img AUPR  ACC    | px AUROC  px AUPR  AUPRO`,
    );
    let last = '';
    for (const row of tableRows(r)) {
      const first = row.set !== last;
      last = row.set;
      const img = first
        ? `${f(row.imageAuroc)}      ${f(row.imageAupr)}     ${f(row.imageAcc)}`
        : ' '.repeat(5 + 6 + 5 + 5 + 5);
      lines.push(
        `${(first ? row.set : '').padEnd(width)} ${MAP_MODE_LABELS[row.map].padEnd(20)} ${img}  | ${f(row.pixelAuroc)}     ${f(row.pixelAupr)}    ${f(row.pixelAupro)}`,
      );
    }
  }
  const n = notes(r);
  if (n.length) lines.push('', ...n);
  return lines.join('\n');
}

const COLUMNS: [keyof TableRow, string][] = [
  ['set', 'set'],
  ['map', 'map'],
  ['images', 'images'],
  ['anomalous', 'anomalous'],
  ['imageAuroc', 'image AUROC'],
  ['imageAupr', 'image AUPR'],
  ['imageF1Max', 'image F1-max'],
  ['imageAcc', 'image ACC'],
  ['pixelAuroc', 'pixel AUROC'],
  ['pixelAupr', 'pixel AUPR'],
  ['pixelF1Max', 'pixel F1-max'],
  ['pixelAupro', 'pixel AUPRO'],
];

/** A cell: counts as they are, metrics to `digits` decimals (or in full when null), n/a when undefined. */
function cell(row: TableRow, k: keyof TableRow, digits: number | null): string {
  const v = row[k];
  if (k === 'map') return MAP_MODE_LABELS[v as MapMode];
  if (v === null) return '';
  if (typeof v !== 'number' || k === 'images' || k === 'anomalous') return String(v);
  if (Number.isNaN(v)) return 'n/a';
  return digits === null ? String(v) : v.toFixed(digits);
}

/** The Table 3 rows as CSV (full precision) or a Markdown table (three decimals), with the notes under it. */
export function formatTable(r: EvalReport, format: 'csv' | 'md'): string {
  const rows = tableRows(r);
  if (format === 'csv') {
    const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    return [
      COLUMNS.map(([, h]) => q(h)).join(','),
      ...rows.map((row) => COLUMNS.map(([k]) => q(cell(row, k, null))).join(',')),
      '',
    ].join('\n');
  }
  const lines = [
    `| ${COLUMNS.map(([, h]) => h).join(' | ')} |`,
    `| ${COLUMNS.map(([k]) => (k === 'set' || k === 'map' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${COLUMNS.map(([k]) => cell(row, k, 3).replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
  const n = notes(r);
  return [...lines, ...(n.length ? ['', ...n.map((x) => `- ${x}`)] : []), ''].join('\n');
}
