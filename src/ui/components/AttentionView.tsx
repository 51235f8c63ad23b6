import { useMemo } from 'react';
import { valueRange } from '../draw-map';
import { useAppStore } from '../store';
import { useScore, useTokenMap } from '../use-scores';
import { ColorLegend } from './ColorLegend';
import { ContourOverlay } from './ContourOverlay';
import { MapCanvas } from './MapCanvas';

/**
 * The image with a map over it: the hovered or selected token's attention,
 * or the ReAL map when no token is selected. Bilinear upsampling of the grid,
 * min–max normalised per map (said under the picture).
 */
export function AttentionView() {
  const trace = useAppStore((s) => s.run.trace);
  const selected = useAppStore((s) => s.view.selected);
  const hovered = useAppStore((s) => s.view.hovered);
  const colorMap = useAppStore((s) => s.view.colorMap);
  const shown = hovered ?? selected;
  const tokenMap = useTokenMap(shown);
  const score = useScore();
  const map = shown !== null ? tokenMap : (score?.map ?? null);
  const range = useMemo(() => (map ? valueRange(map) : null), [map]);
  const title =
    shown !== null && trace?.generated[shown]
      ? `Attention of “${trace.generated[shown].text.trim() || trace.generated[shown].text}” (token ${shown})`
      : 'ReAL anomaly map';
  return (
    <figure className="attention-view">
      <figcaption data-testid="attention.title">{title}</figcaption>
      <div className="stack">
        <MapCanvas map={map} size={384} testId="attention.canvas" />
        <ContourOverlay map={map} size={384} />
      </div>
      {score?.noneSelected && shown === null && (
        <p className="warning" data-testid="attention.none-selected">
          No token passed both thresholds: the ReAL map is all zeros (the paper’s failure case (d)).
        </p>
      )}
      {range && <ColorLegend colorMap={colorMap} min={range[0]} max={range[1]} />}
      <p className="hint">Grid upsampled bilinearly; colours min–max normalised per map.</p>
    </figure>
  );
}
