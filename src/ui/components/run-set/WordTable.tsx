import { csvFormat, interpolateRdYlGn, scaleBand, scaleLinear } from 'd3';
import { useMemo, useState } from 'react';
import { download } from '../../download';
import { useGalleryList } from '../../run-set/gallery-list';
import { sortWords, wordTable, type WordSortKey, type WordStats } from '../../run-set/word-table';
import { fmt } from './GalleryTile';

const COLUMNS: { key: WordSortKey; head: string; title: string }[] = [
  { key: 'word', head: 'word', title: 'The reasoning word, sub-word pieces joined' },
  { key: 'occurrences', head: 'times', title: 'How often the word occurs in the reasoning' },
  { key: 'images', head: 'images', title: 'In how many images' },
  { key: 'kept', head: 'kept', title: 'How often ReAL keeps it (any of its pieces passes both thresholds)' },
  { key: 'keepRate', head: 'kept share', title: 'kept ÷ times' },
  {
    key: 'meanAuroc',
    head: 'mean AUROC',
    title:
      'Mean per-image pixel AUROC of the word’s own map against the mask, over its occurrences in images with a mask',
  },
  { key: 'meanMaskMass', head: 'mass in mask', title: 'Mean share of the word’s map inside the mask' },
];

const BARS = 20;
const W = 560;
const ROW = 18;
const M = { left: 110, right: 60, top: 6, bottom: 26 };

/** The most often kept words as bars (length: times kept), coloured by how well their maps localise. */
function WordBars({ words }: { words: WordStats[] }) {
  const top = words.filter((w) => w.kept > 0).slice(0, BARS);
  if (!top.length) return <p className="hint">ReAL keeps no word in these runs.</p>;
  const H = M.top + M.bottom + ROW * top.length;
  const x = scaleLinear()
    .domain([0, Math.max(...top.map((w) => w.kept))])
    .range([M.left, W - M.right]);
  const y = scaleBand<string>()
    .domain(top.map((w) => w.word))
    .range([M.top, H - M.bottom])
    .padding(0.2);
  const colour = (a: number | null) =>
    a === null ? '#9aa4b1' : interpolateRdYlGn(Math.max(0, Math.min(1, (a - 0.5) * 2)));
  return (
    <svg
      width={W}
      height={H}
      role="img"
      aria-label={`The ${top.length} words ReAL keeps most often: ${top.map((w) => `${w.word} ${w.kept} times, mean AUROC ${fmt(w.meanAuroc)}`).join('; ')}`}
      data-testid="words.bars"
    >
      {top.map((w) => (
        <g key={w.word}>
          <text x={M.left - 6} y={y(w.word)! + y.bandwidth() / 2 + 4} textAnchor="end" fontSize={12}>
            {w.word}
          </text>
          <rect
            x={M.left}
            y={y(w.word)}
            width={x(w.kept) - M.left}
            height={y.bandwidth()}
            fill={colour(w.meanAuroc)}
          />
          <text x={x(w.kept) + 4} y={y(w.word)! + y.bandwidth() / 2 + 4} fontSize={11} fill="#334">
            {w.kept} · {fmt(w.meanAuroc, 2)}
          </text>
        </g>
      ))}
      <text x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle" fontSize={11} fill="#334">
        times kept; colour: mean AUROC (red 0.5 → green 1; grey: no mask)
      </text>
    </svg>
  );
}

/**
 * What the set (as filtered) says about its reasoning words: which ReAL
 * keeps most often and how well each word's own map localises, a sortable
 * table and a bar chart.
 */
export function WordTable() {
  const list = useGalleryList();
  const words = useMemo(() => wordTable(list), [list]);
  const [sort, setSortState] = useState<{ key: WordSortKey; dir: 'asc' | 'desc' }>({
    key: 'kept',
    dir: 'desc',
  });
  const sorted = useMemo(() => sortWords(words, sort.key, sort.dir), [words, sort]);
  const [limit, setLimit] = useState(100);
  const by = (key: WordSortKey) =>
    setSortState((s) => ({
      key,
      dir: s.key === key ? (s.dir === 'asc' ? 'desc' : 'asc') : key === 'word' ? 'asc' : 'desc',
    }));
  const csv = () =>
    download(
      'words.csv',
      new Blob(
        [
          csvFormat(
            sorted.map((w) => ({ ...w, meanAuroc: w.meanAuroc ?? '', meanMaskMass: w.meanMaskMass ?? '' })),
          ),
        ],
        {
          type: 'text/csv',
        },
      ),
    );
  return (
    <section className="panel words" aria-label="Reasoning words" data-testid="words">
      <h2>Reasoning words of {list.length} runs</h2>
      <WordBars words={words} />
      <p className="hint">
        Sub-word pieces are joined into words as the token strip does; a word counts as kept when ReAL keeps
        any of its pieces, and its AUROC in an image is the mean of its pieces’ own maps’ AUROC against the
        mask.{' '}
        <button className="linklike" onClick={csv} data-testid="words.csv">
          CSV
        </button>
      </p>
      <table className="working" data-testid="words.table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                scope="col"
                title={c.title}
                aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
              >
                <button className="linklike" onClick={() => by(c.key)} data-testid={`words.sort.${c.key}`}>
                  {c.head}
                  {sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.slice(0, limit).map((w) => (
            <tr key={w.word} data-testid="words.row" data-word={w.word}>
              <td>{w.word}</td>
              <td data-testid="words.occurrences">{w.occurrences}</td>
              <td>{w.images}</td>
              <td data-testid="words.kept">{w.kept}</td>
              <td>{fmt(w.keepRate, 2)}</td>
              <td data-testid="words.auroc" data-value={w.meanAuroc ?? ''}>
                {fmt(w.meanAuroc)} <span className="count">({w.withMask})</span>
              </td>
              <td data-testid="words.mass" data-value={w.meanMaskMass ?? ''}>
                {fmt(w.meanMaskMass)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > limit && (
        <button onClick={() => setLimit((n) => n + 200)} data-testid="words.more">
          Show more ({sorted.length - limit} left)
        </button>
      )}
    </section>
  );
}
