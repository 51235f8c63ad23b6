import { memo, useMemo } from 'react';
import { parseAnswer, answerText, reasoningTokenIndices, type AnyTrace } from '../../../real';
import { chooseToken, type Side } from '../../compare/compare-store';
import { tokenKey } from '../../compare/diff';
import type { SideView } from '../../compare/use-side';
import { COLOR_MAPS } from '../../colormaps';
import type { ColorMap } from '../../store';
import { tokenText } from '../../token-words';
import { ColorLegend } from '../ColorLegend';
import { ComparePicture } from './ComparePicture';

/** One side's tokens: click (or arrow keys) chooses a token on both sides, by its text and place. */
const PaneTokens = memo(function PaneTokens({
  which,
  trace,
  selected,
  kept,
}: {
  which: Side;
  trace: AnyTrace;
  selected: number | null;
  kept: ReadonlySet<number>;
}) {
  const reasoning = useMemo(() => new Set(reasoningTokenIndices(trace.generated)), [trace]);
  const n = trace.generated.length;
  const choose = (i: number | null) => chooseToken(i === null ? null : tokenKey(trace.generated, i));
  const onKey = (e: React.KeyboardEvent) => {
    if (!['ArrowRight', 'ArrowLeft', 'Home', 'End', 'Escape'].includes(e.key) || n === 0) return;
    e.preventDefault();
    if (e.key === 'Escape') return choose(null);
    if (e.key === 'Home' || e.key === 'End') return choose(e.key === 'Home' ? 0 : n - 1);
    const cur = selected ?? (e.key === 'ArrowRight' ? -1 : n);
    choose(Math.max(0, Math.min(n - 1, cur + (e.key === 'ArrowRight' ? 1 : -1))));
  };
  return (
    <div
      className="token-strip compare-tokens"
      role="listbox"
      tabIndex={0}
      aria-label={`Tokens of ${which}: a token chosen here is chosen on both sides; Escape shows the ReAL maps`}
      aria-activedescendant={selected !== null ? `cmp-${which}-${selected}` : undefined}
      onKeyDown={onKey}
      data-testid={`compare.${which}.tokens`}
    >
      {trace.generated.map((t, i) => (
        <span
          key={i}
          id={`cmp-${which}-${i}`}
          role="option"
          aria-selected={selected === i}
          className={`token ${t.special ? 'special' : reasoning.has(i) ? 'reasoning' : 'other'}${selected === i ? ' selected' : ''}${kept.has(i) ? ' kept' : ''}`}
          onClick={() => choose(selected === i ? null : i)}
          data-testid={`compare.${which}.token`}
          data-index={i}
        >
          {t.text}
        </span>
      ))}
    </div>
  );
});

/** One run of the comparison: its heading and answer, its map over the image, its tokens. */
export function ComparePane({
  which,
  view,
  range,
  colorMap,
  opacity,
}: {
  which: Side;
  view: SideView;
  /** The colour range used (this side's own, or the shared one). */
  range: [number, number] | null;
  colorMap: ColorMap;
  opacity: number;
}) {
  const { side, score, index } = view;
  const trace = side.trace;
  const kept = useMemo(() => new Set(score?.tokens.filter((t) => t.selected).map((t) => t.index)), [score]);
  const answer = parseAnswer(answerText(trace));
  const title =
    index !== null ? `Attention of “${tokenText(trace, index)}” (token ${index})` : 'ReAL anomaly map';
  return (
    <section className="panel compare-pane" aria-label={`Run ${which}`} data-testid={`compare.${which}`}>
      <h2>
        {which}: {side.name}
      </h2>
      <p className="hint" data-testid={`compare.${which}.answer`}>
        {trace.modelInfo?.name ?? trace.model} · {trace.grid.rows} × {trace.grid.cols} grid · answer{' '}
        <strong>{answer === 1 ? 'yes' : answer === 0 ? 'no' : 'not given'}</strong>
        {trace.answerProbability !== undefined && <> · P(yes) {trace.answerProbability.toFixed(3)}</>}
        {trace.label !== undefined && <> · label {trace.label ? 'anomalous' : 'normal'}</>}
      </p>
      <p data-testid={`compare.${which}.title`}>{title}</p>
      <ComparePicture
        imageUrl={side.imageUrl}
        maskUrl={side.maskUrl}
        map={view.map}
        grid={trace.grid}
        box={view.box}
        range={range}
        colorMap={colorMap}
        opacity={opacity}
        label={`${title} of run ${which}, drawn over the image in ${COLOR_MAPS[colorMap].label} colours${range ? ` from ${range[0].toExponential(2)} to ${range[1].toExponential(2)}` : ''}; the mask outlined in white`}
        testId={`compare.${which}.canvas`}
      />
      {range && <ColorLegend colorMap={colorMap} min={range[0]} max={range[1]} />}
      {view.missing && (
        <p className="warning" data-testid={`compare.${which}.missing`}>
          This run has no such token at that place among equal texts: its ReAL map is shown.
        </p>
      )}
      {side.error && <p className="error">{side.error}</p>}
      <PaneTokens which={which} trace={trace} selected={index} kept={kept} />
    </section>
  );
}
