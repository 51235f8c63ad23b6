import { interpolateTurbo, interpolateViridis, rgb } from 'd3';
import type { ColorMap } from './store';

/** MATLAB's jet, the anomaly-detection habit (anomalib, LVLM-Interpret): blue → cyan → yellow → red. */
function jet(t: number): string {
  const c = (x: number) => Math.max(0, Math.min(1, x));
  const r = c(1.5 - Math.abs(4 * t - 3));
  const g = c(1.5 - Math.abs(4 * t - 2));
  const b = c(1.5 - Math.abs(4 * t - 1));
  return `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
}

export const COLOR_MAPS: Record<ColorMap, { label: string; fn: (t: number) => string }> = {
  jet: { label: 'jet', fn: jet },
  turbo: { label: 'turbo (colour-blind safer)', fn: interpolateTurbo },
  viridis: { label: 'viridis (colour-blind safe)', fn: interpolateViridis },
};

const luts = new Map<ColorMap, Uint8Array>();

/** 256 RGB entries of a colour map, for painting pixels fast (made once per map). */
export function lut(map: ColorMap): Uint8Array {
  const cached = luts.get(map);
  if (cached) return cached;
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = rgb(COLOR_MAPS[map].fn(i / 255));
    out[i * 3] = c.r;
    out[i * 3 + 1] = c.g;
    out[i * 3 + 2] = c.b;
  }
  luts.set(map, out);
  return out;
}
