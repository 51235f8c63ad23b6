import { COLOR_MAPS } from '../colormaps';
import type { ColorMap } from '../store';

/** The colour scale with the map's raw value range at its ends. */
export function ColorLegend({ colorMap, min, max }: { colorMap: ColorMap; min: number; max: number }) {
  const stops = Array.from({ length: 11 }, (_, i) => `${COLOR_MAPS[colorMap].fn(i / 10)} ${i * 10}%`).join(
    ', ',
  );
  return (
    <div className="legend" data-testid="attention.legend">
      <span>{min.toExponential(2)}</span>
      <div className="legend-bar" style={{ background: `linear-gradient(to right, ${stops})` }} />
      <span>{max.toExponential(2)}</span>
    </div>
  );
}
