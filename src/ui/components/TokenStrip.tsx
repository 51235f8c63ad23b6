import { interpolateOranges } from 'd3';
import { memo, useMemo } from 'react';
import { reasoningTokenIndices } from '../../real';
import { patchView, selectGroup, selectToken, toggleInGroup, useAppStore } from '../store';
import { wordSegments } from '../token-words';
import { useScore } from '../use-scores';
import { STAGES, useStage } from '../use-stage';

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
      className={`token ${kind}${selected ? ' selected' : ''}${kept ? ' kept' : ''}`}
      style={tint !== undefined ? { background: interpolateOranges(0.08 + 0.8 * tint) } : undefined}
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
 * keys select; hovering previews the token's map.
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
  if (!ready) return <div className="token-strip" data-testid="token-strip" aria-label="Generated tokens" />;
  const n = trace.generated.length;
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Escape') return;
    e.preventDefault();
    if (e.key === 'Escape') return selectToken(null);
    const cur = selected ?? (e.key === 'ArrowRight' ? -1 : n);
    selectToken(Math.max(0, Math.min(n - 1, cur + (e.key === 'ArrowRight' ? 1 : -1))));
  };
  return (
    <div
      className="token-strip"
      tabIndex={0}
      onKeyDown={onKey}
      data-testid="token-strip"
      aria-label="Generated tokens"
    >
      {tokenView === 'words'
        ? wordSegments(trace.generated).map((seg) => {
            const first = seg.indices[0];
            const t = trace.generated[first];
            const tints = seg.indices.map((k) => tint.get(k)).filter((v): v is number => v !== undefined);
            const isSel = group.length
              ? seg.indices.every((k) => group.includes(k)) && group.length === seg.indices.length
              : seg.indices.length === 1 && selected === first;
            return (
              <span
                key={first}
                className={`token ${t.special ? 'special' : reasoning.has(first) ? 'reasoning' : 'other'}${isSel ? ' selected' : ''}${seg.indices.some((k) => kept.has(k)) ? ' kept' : ''}`}
                style={
                  tints.length
                    ? { background: interpolateOranges(0.08 + 0.8 * Math.max(...tints)) }
                    : undefined
                }
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
