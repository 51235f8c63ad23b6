import { useMemo } from 'react';
import { interpolateOranges } from 'd3';
import { reasoningTokenIndices } from '../../real';
import { patchView, selectToken, useAppStore } from '../store';
import { useScore } from '../use-scores';

/**
 * Every generated token, as text (never as HTML). Reasoning tokens are tinted
 * by the chosen score; tags and the answer are set apart. Click or arrow
 * keys select; hovering previews the token's map.
 */
export function TokenStrip() {
  const trace = useAppStore((s) => s.run.trace);
  const version = useAppStore((s) => s.run.version);
  const selected = useAppStore((s) => s.view.selected);
  const tintBy = useAppStore((s) => s.view.tintBy);
  const score = useScore();
  const reasoning = useMemo(() => {
    void version;
    return new Set(trace ? reasoningTokenIndices(trace.generated) : []);
  }, [trace, version]);
  const tint = useMemo(() => {
    const m = new Map<number, number>();
    for (const t of score?.tokens ?? [])
      m.set(t.index, tintBy === 'weight' ? t.weight : tintBy === 'sT' ? t.sTNorm : t.sINorm);
    const max = Math.max(1e-12, ...m.values());
    for (const [k, v] of m) m.set(k, v / max);
    return m;
  }, [score, tintBy]);
  if (!trace)
    return (
      <div className="token-strip empty">
        No run yet: pick a sample image, upload one, or open a saved trace.
      </div>
    );
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
      {trace.generated.map((t, i) => {
        const kind = t.special ? 'special' : reasoning.has(i) ? 'reasoning' : 'other';
        const w = tint.get(i);
        return (
          <span
            key={i}
            className={`token ${kind}${selected === i ? ' selected' : ''}${score?.tokens.find((x) => x.index === i)?.selected ? ' kept' : ''}`}
            style={w !== undefined ? { background: interpolateOranges(0.08 + 0.8 * w) } : undefined}
            onClick={() => selectToken(selected === i ? null : i)}
            onMouseEnter={() => patchView({ hovered: i })}
            onMouseLeave={() => patchView({ hovered: null })}
            data-testid="token-strip.token"
            data-index={i}
            title={`token ${i}, position ${t.position}`}
          >
            {t.text}
          </span>
        );
      })}
    </div>
  );
}
