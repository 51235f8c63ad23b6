import { COLOR_MAPS } from '../colormaps';
import { patchView, useAppStore, type ColorMap } from '../store';

export function ViewControls() {
  const colorMap = useAppStore((s) => s.view.colorMap);
  const opacity = useAppStore((s) => s.view.opacity);
  const { showMask, showPrediction, predictionThreshold } = useAppStore((s) => s.view);
  return (
    <div className="controls">
      <label>
        Colour map{' '}
        <select
          value={colorMap}
          onChange={(e) => patchView({ colorMap: e.target.value as ColorMap })}
          data-testid="view.colormap"
        >
          {Object.entries(COLOR_MAPS).map(([k, v]) => (
            <option key={k} value={k}>
              {v.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Opacity{' '}
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={opacity}
          onChange={(e) => patchView({ opacity: Number(e.target.value) })}
          data-testid="view.opacity"
        />
      </label>
      <label>
        <input
          type="checkbox"
          checked={showMask}
          onChange={(e) => patchView({ showMask: e.target.checked })}
        />{' '}
        ground truth (white)
      </label>
      <label>
        <input
          type="checkbox"
          checked={showPrediction}
          onChange={(e) => patchView({ showPrediction: e.target.checked })}
          data-testid="view.prediction"
        />{' '}
        map above{' '}
        <input
          type="number"
          min={0}
          max={1}
          step={0.05}
          value={predictionThreshold}
          onChange={(e) =>
            patchView({ predictionThreshold: Math.min(1, Math.max(0, Number(e.target.value))) })
          }
          style={{ width: '4em' }}
        />{' '}
        (red)
      </label>
    </div>
  );
}
