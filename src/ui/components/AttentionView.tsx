import { useEffect, useMemo, useRef, useState } from 'react';
import { resizeBilinear } from '../../real';
import { lut } from '../colormaps';
import { useAppStore } from '../store';
import { useScore, useTokenMap } from '../use-scores';
import { ColorLegend } from './ColorLegend';

const SIZE = 384;

/**
 * The image with a map over it: the hovered or selected token's attention,
 * or the ReAL map when no token is selected. Bilinear upsampling of the grid,
 * min–max normalised per map (said under the picture).
 */
export function AttentionView() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const imageUrl = useAppStore((s) => s.run.imageUrl);
  const trace = useAppStore((s) => s.run.trace);
  const selected = useAppStore((s) => s.view.selected);
  const hovered = useAppStore((s) => s.view.hovered);
  const colorMap = useAppStore((s) => s.view.colorMap);
  const opacity = useAppStore((s) => s.view.opacity);
  const shown = hovered ?? selected;
  const tokenMap = useTokenMap(shown);
  const score = useScore();
  const map = shown !== null ? tokenMap : (score?.map ?? null);
  const [loaded, setLoaded] = useState<{ url: string; img: HTMLImageElement } | null>(null);
  const image = loaded && loaded.url === imageUrl ? loaded.img : null;
  const range = useMemo((): [number, number] | null => {
    if (!map) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of map) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return [lo, hi];
  }, [map]);

  useEffect(() => {
    if (!imageUrl) return;
    const img = new Image();
    img.onload = () => setLoaded({ url: imageUrl, img });
    img.src = imageUrl;
  }, [imageUrl]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (image) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(image, 0, 0, SIZE, SIZE);
    }
    if (!map || !trace || !range) return;
    const { rows, cols } = trace.grid;
    const heat = resizeBilinear(map, rows, cols, SIZE, SIZE);
    const [lo, hi] = range;
    const colors = lut(colorMap);
    const pixels = ctx.getImageData(0, 0, SIZE, SIZE);
    const d = pixels.data;
    const span = hi - lo;
    for (let i = 0; i < heat.length; i++) {
      const t = span > 0 ? (heat[i] - lo) / span : 0;
      const k = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
      d[i * 4] = d[i * 4] * (1 - opacity) + colors[k] * opacity;
      d[i * 4 + 1] = d[i * 4 + 1] * (1 - opacity) + colors[k + 1] * opacity;
      d[i * 4 + 2] = d[i * 4 + 2] * (1 - opacity) + colors[k + 2] * opacity;
      d[i * 4 + 3] = 255;
    }
    ctx.putImageData(pixels, 0, 0);
  }, [image, map, range, trace, colorMap, opacity]);

  const title =
    shown !== null && trace?.generated[shown]
      ? `Attention of “${trace.generated[shown].text.trim() || trace.generated[shown].text}” (token ${shown})`
      : 'ReAL anomaly map';
  return (
    <figure className="attention-view">
      <figcaption data-testid="attention.title">{title}</figcaption>
      <canvas
        ref={canvas}
        width={SIZE}
        height={SIZE}
        data-testid="attention.canvas"
        data-shown={shown ?? 'real'}
      />
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
