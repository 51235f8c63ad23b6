import { useMemo } from 'react';
import { COLOR_MAPS } from '../colormaps';
import { valueRange } from '../draw-map';
import { toggleExcludedCell, useAppStore } from '../store';
import { useGroupMap, useScore, useTokenMap } from '../use-scores';
import { tokenText } from '../token-words';
import { useShownBox, useShownTrace } from '../use-shown-trace';
import { ColorLegend } from './ColorLegend';
import { ViewSwitch } from './ViewSwitch';
import { ContourOverlay } from './ContourOverlay';
import { MapCanvas } from './MapCanvas';

/**
 * The image with a map over it: the hovered or selected token's attention,
 * or the ReAL map when no token is selected. Bilinear upsampling of the grid,
 * min–max normalised per map (said under the picture).
 */
export function AttentionView() {
  const trace = useShownTrace();
  const box = useShownBox();
  const selected = useAppStore((s) => s.view.selected);
  const hovered = useAppStore((s) => s.view.hovered);
  const colorMap = useAppStore((s) => s.view.colorMap);
  const group = useAppStore((s) => s.view.group);
  const combine = useAppStore((s) => s.view.combine);
  const normalise = useAppStore((s) => s.view.normalise);
  const fixedMax = useAppStore((s) => s.view.fixedMax);
  const shown = hovered ?? (group.length ? null : selected);
  const tokenMap = useTokenMap(shown);
  const groupMap = useGroupMap(hovered === null ? group : [], combine);
  const score = useScore();
  const excluded = useAppStore((s) => s.view.excludedCells);
  const imageName = useAppStore((s) => s.run.imageName);
  const { showMask, showPrediction, predictionThreshold } = useAppStore((s) => s.view);
  const rawMap = shown !== null ? tokenMap : (groupMap ?? score?.map ?? null);
  // Excluded cells (sinks) drop to the lowest remaining value, so they no longer set the colour scale.
  const map = useMemo(() => {
    if (!rawMap || excluded.length === 0) return rawMap;
    const keep = Array.from(rawMap).filter((_, i) => !excluded.includes(i));
    if (keep.length === 0) return rawMap;
    const floor = Math.min(...keep);
    return Float64Array.from(rawMap, (v, i) => (excluded.includes(i) ? floor : v));
  }, [rawMap, excluded]);
  const range = useMemo(
    (): [number, number] | null => (map ? (normalise === 'fixed' ? [0, fixedMax] : valueRange(map)) : null),
    [map, normalise, fixedMax],
  );
  const word = (i: number) => (trace ? tokenText(trace, i) : '');
  const title =
    shown !== null && trace?.generated[shown]
      ? `Attention of “${word(shown)}” (token ${shown})`
      : groupMap
        ? `${combine === 'max' ? 'Max' : 'Mean'} attention of ${group.map((i) => `“${word(i)}”`).join(', ')}`
        : 'ReAL anomaly map';
  // The canvas's name says what the picture shows, as the title and legend do for sighted users.
  const label = [
    `${title}${imageName ? ` of ${imageName}` : ''}, drawn over the image in ${COLOR_MAPS[colorMap].label} colours`,
    range && `from ${range[0].toExponential(2)} to ${range[1].toExponential(2)}`,
    showMask && 'the ground-truth mask outlined in white',
    showPrediction && `the map above ${predictionThreshold} of its range outlined in red`,
  ]
    .filter(Boolean)
    .join('; ');
  return (
    <figure className="attention-view">
      <figcaption data-testid="attention.title">{title}</figcaption>
      <ViewSwitch />
      <div
        className="stack"
        onClick={(e) => {
          if (!e.altKey || !trace) return;
          // Where the click falls in the view's box, as a cell of the shown grid.
          const r = e.currentTarget.getBoundingClientRect();
          const fx = ((e.clientX - r.left) / r.width - box[0]) / (box[2] - box[0]);
          const fy = ((e.clientY - r.top) / r.height - box[1]) / (box[3] - box[1]);
          if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) return;
          const col = Math.floor(fx * trace.grid.cols);
          const row = Math.floor(fy * trace.grid.rows);
          toggleExcludedCell(row * trace.grid.cols + col);
        }}
      >
        <MapCanvas map={map} size={384} testId="attention.canvas" range={range} label={label} />
        <ContourOverlay map={map} size={384} />
      </div>
      {score?.noneSelected && shown === null && (
        <p className="warning" data-testid="attention.none-selected">
          No token passed both thresholds: the ReAL map is all zeros (the paper’s failure case (d)).
        </p>
      )}
      {range && <ColorLegend colorMap={colorMap} min={range[0]} max={range[1]} />}
      <p className="hint" data-testid="attention.normalisation">
        Grid upsampled bilinearly; colours{' '}
        {normalise === 'fixed'
          ? `on a fixed range, 0 to ${fixedMax}, for every map and run`
          : 'min–max normalised per map'}
        . Shift-click tokens to combine their maps; alt-click a cell to leave it (an attention sink) out of
        the colour scale
        {excluded.length > 0 && (
          <>
            {' '}
            — {excluded.length} cell{excluded.length > 1 ? 's' : ''} left out (display only)
          </>
        )}
        .
      </p>
    </figure>
  );
}
