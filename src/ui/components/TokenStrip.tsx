import { interpolateOranges } from 'd3';
import { memo, useMemo } from 'react';
import { reasoningTokenIndices } from '../../real';
import { patchView, selectGroup, selectToken, toggleInGroup, useAppStore } from '../store';
import { wordSegments } from '../token-words';
import { useScore } from '../use-scores';
import { STAGES, useStage } from '../use-stage';

/**
 * Text that keeps WCAG AA contrast (≥ 4.5:1) on a tint: black on the light
 * oranges, white on the dark ones (the switch at relative luminance 0.179
 * gives at least 4.58:1 either way).
 */
export function textOn(background: string): string {
  const m = /^rgb\((\d+), (\d+), (\d+)\)$/.exec(background) ?? /^#(..)(..)(..)$/.exec(background);
  if (!m) return '#000';
  const [r, g, b] = m.slice(1, 4).map((c) => {
    const v = (background.startsWith('#') ? parseInt(c, 16) : Number(c)) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#000' : '#fff';
}

function tintStyle(tint: number | undefined): React.CSSProperties | undefined {
  if (tint === undefined) return undefined;
  const background = interpolateOranges(0.08 + 0.8 * tint);
  return { background, color: textOn(background) };
}

/** A name for a token that is only white space, which would otherwise be read as nothing. */
function blankName(text: string): string | undefined {
  if (text.trim() !== '') return undefined;
  return text.includes('\n') ? 'line break' : text === '' ? 'empty token' : 'space';
}

interface TokenProps {
  index: number;
  text: string;
  position: number;
  kind: 'special' | 'reasoning' | 'other';
  selected: boolean;
  kept: boolean;
  tint: number | undefined;
}

/** One token; memoised, so a click re-renders the two tokens whose selection changed, not all of them. */
const Token = memo(function Token({ index, text, position, kind, selected, kept, tint }: TokenProps) {
  return (
    <span
      id={`token-${index}`}
      role="option"
      aria-selected={selected}
      aria-label={blankName(text)}
      className={`token ${kind}${selected ? ' selected' : ''}${kept ? ' kept' : ''}${text.includes('\n') ? ' newline' : ''}`}
      style={tintStyle(tint)}
      onClick={(e) =>
        e.shiftKey
          ? toggleInGroup(index)
          : selectToken(useAppStore.getState().view.selected === index ? null : index)
      }
      onMouseEnter={() => patchView({ hovered: index })}
      onMouseLeave={() => patchView({ hovered: null })}
      data-testid="token-strip.token"
      data-index={index}
      title={`token ${index}, position ${position}`}
    >
      {text}
    </span>
  );
});

/**
 * Every generated token, as text (never as HTML). Reasoning tokens are tinted
 * by the chosen score; tags and the answer are set apart. Click or arrow
 * keys select (Home and End go to the ends, Escape back to the ReAL map);
 * hovering previews the token's map. For assistive technology the strip is a
 * listbox whose active descendant is the selected token.
 */
export function TokenStrip() {
  const trace = useAppStore((s) => s.run.trace);
  const version = useAppStore((s) => s.run.version);
  const selected = useAppStore((s) => s.view.selected);
  const group = useAppStore((s) => s.view.group);
  const tokenView = useAppStore((s) => s.view.tokenView);
  const tintBy = useAppStore((s) => s.view.tintBy);
  const score = useScore();
  const ready = useStage(STAGES.tokens);
  const reasoning = useMemo(() => {
    void version;
    return new Set(trace ? reasoningTokenIndices(trace.generated) : []);
  }, [trace, version]);
  const { tint, kept } = useMemo(() => {
    const tint = new Map<number, number>();
    const kept = new Set<number>();
    for (const t of score?.tokens ?? []) {
      tint.set(t.index, tintBy === 'weight' ? t.weight : tintBy === 'sT' ? t.sTNorm : t.sINorm);
      if (t.selected) kept.add(t.index);
    }
    const max = Math.max(1e-12, ...tint.values());
    for (const [k, v] of tint) tint.set(k, v / max);
    return { tint, kept };
  }, [score, tintBy]);
  if (!trace)
    return (
      <div className="token-strip empty">
        No run yet: pick a sample image, upload one, or open a saved trace.
      </div>
    );
  if (!ready)
    return (
      <div
        className="token-strip"
        role="listbox"
        aria-busy="true"
        data-testid="token-strip"
        aria-label="Generated tokens"
      />
    );
  const n = trace.generated.length;
  const words = tokenView === 'words' ? wordSegments(trace.generated) : null;
  const isWordSelected = (indices: number[]) =>
    group.length
      ? indices.every((k) => group.includes(k)) && group.length === indices.length
      : indices.length === 1 && selected === indices[0];
  // The selected token or word, for screen readers (none while a group of pieces is shown).
  const activeWord = words?.find((seg) => isWordSelected(seg.indices));
  const active = words
    ? activeWord && `word-${activeWord.indices[0]}`
    : selected !== null && group.length === 0 && selected < n
      ? `token-${selected}`
      : undefined;
  const onKey = (e: React.KeyboardEvent) => {
    if (!['ArrowRight', 'ArrowLeft', 'Home', 'End', 'Escape'].includes(e.key) || n === 0) return;
    e.preventDefault();
    if (e.key === 'Escape') return selectToken(null);
    if (e.key === 'Home' || e.key === 'End') return selectToken(e.key === 'Home' ? 0 : n - 1);
    const cur = selected ?? (e.key === 'ArrowRight' ? -1 : n);
    selectToken(Math.max(0, Math.min(n - 1, cur + (e.key === 'ArrowRight' ? 1 : -1))));
  };
  return (
    <div
      className="token-strip"
      tabIndex={0}
      onKeyDown={onKey}
      data-testid="token-strip"
      role="listbox"
      aria-multiselectable="true"
      aria-orientation="horizontal"
      aria-label="Generated tokens: arrow keys move, Escape shows the ReAL map"
      aria-activedescendant={active}
    >
      {words
        ? words.map((seg) => {
            const first = seg.indices[0];
            const t = trace.generated[first];
            const tints = seg.indices.map((k) => tint.get(k)).filter((v): v is number => v !== undefined);
            const isSel = isWordSelected(seg.indices);
            return (
              <span
                key={first}
                id={`word-${first}`}
                role="option"
                aria-selected={isSel}
                aria-label={blankName(seg.text)}
                className={`token ${t.special ? 'special' : reasoning.has(first) ? 'reasoning' : 'other'}${isSel ? ' selected' : ''}${seg.indices.some((k) => kept.has(k)) ? ' kept' : ''}${seg.text.includes('\n') ? ' newline' : ''}`}
                style={tintStyle(tints.length ? Math.max(...tints) : undefined)}
                onClick={() => selectGroup(seg.indices)}
                data-testid="token-strip.word"
                title={`tokens ${seg.indices.join(', ')}`}
              >
                {seg.text}
              </span>
            );
          })
        : trace.generated.map((t, i) => (
            <Token
              key={i}
              index={i}
              text={t.text}
              position={t.position}
              kind={t.special ? 'special' : reasoning.has(i) ? 'reasoning' : 'other'}
              selected={group.length ? group.includes(i) : selected === i}
              kept={kept.has(i)}
              tint={tint.get(i)}
            />
          ))}
    </div>
  );
}
