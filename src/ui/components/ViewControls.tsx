import { COLOR_MAPS } from '../colormaps';
import { patchView, useAppStore, type ColorMap } from '../store';
import { NumberInput } from './NumberInput';

export function ViewControls() {
  const colorMap = useAppStore((s) => s.view.colorMap);
  const opacity = useAppStore((s) => s.view.opacity);
  const tokenView = useAppStore((s) => s.view.tokenView);
  const { showMask, showPrediction, predictionThreshold, normalise, fixedMax, combine } = useAppStore(
    (s) => s.view,
  );
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
        colours{' '}
        <select
          value={normalise}
          onChange={(e) => patchView({ normalise: e.target.value as 'per-map' | 'fixed' })}
          data-testid="view.normalise"
        >
          <option value="per-map">min–max per map</option>
          <option value="fixed">fixed range</option>
        </select>
        {normalise === 'fixed' && (
          <>
            {' '}
            0 to{' '}
            <NumberInput
              value={fixedMax}
              min={1e-6}
              step={0.01}
              fallback={1e-6}
              label="top of the fixed colour range"
              onChange={(fixedMax) => patchView({ fixedMax })}
            />
          </>
        )}
      </label>
      <label>
        tokens{' '}
        <select
          value={tokenView}
          onChange={(e) => patchView({ tokenView: e.target.value as 'pieces' | 'words' })}
          data-testid="view.token-view"
        >
          <option value="pieces">as generated (sub-word pieces)</option>
          <option value="words">merged into words</option>
        </select>
      </label>
      <label>
        group map{' '}
        <select value={combine} onChange={(e) => patchView({ combine: e.target.value as 'mean' | 'max' })}>
          <option value="mean">mean</option>
          <option value="max">max</option>
        </select>
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
        <NumberInput
          value={predictionThreshold}
          min={0}
          max={1}
          step={0.05}
          fallback={0}
          width="4em"
          label="red outline: the map above this fraction of its range"
          onChange={(predictionThreshold) => patchView({ predictionThreshold })}
        />{' '}
        (red)
      </label>
    </div>
  );
}
