import { layerCount, type ThresholdRule as Rule } from '../../real';
import { patchSettings, patchView, useAppStore, type TintBy } from '../store';
import { NumberInput } from './NumberInput';

/** The method's settings, live: α, β, k, layers, row reading, anomaly words. Defaults are the spec's. */
export function SettingsPanel() {
  const s = useAppStore((st) => st.view.settings);
  const tintBy = useAppStore((st) => st.view.tintBy);
  const trace = useAppStore((st) => st.run.trace);
  const layers = trace ? layerCount(trace) : 0;
  const from = s.layers?.from ?? 0;
  const to = s.layers?.to ?? Math.max(0, layers - 1);
  const setLayers = (a: number, b: number) =>
    patchSettings({
      layers: a === 0 && b === layers - 1 ? null : { from: Math.min(a, b), to: Math.max(a, b) },
    });
  return (
    <details className="panel settings group" open>
      <summary>
        <h2>ReAL settings</h2>
      </summary>
      <label>
        α (weight of Ŝ_T) {s.alpha.toFixed(2)}
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={s.alpha}
          onChange={(e) => patchSettings({ alpha: Number(e.target.value) })}
          data-testid="settings.alpha"
        />
      </label>
      <label>
        β (weight of Ŝ_I) {s.beta.toFixed(2)}
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={s.beta}
          onChange={(e) => patchSettings({ beta: Number(e.target.value) })}
          data-testid="settings.beta"
        />
      </label>
      <label>
        top-k for CGRO{' '}
        <NumberInput
          value={s.k}
          min={1}
          max={20}
          integer
          fallback={1}
          onChange={(k) => patchSettings({ k })}
        />
      </label>
      {layers > 0 && (
        <label>
          layers {from}–{to} of 0–{layers - 1}
          <span className="pair">
            <input
              type="range"
              min={0}
              max={layers - 1}
              value={from}
              aria-label={`first layer (${from})`}
              onChange={(e) => setLayers(Number(e.target.value), to)}
              data-testid="settings.layer-from"
            />
            <input
              type="range"
              min={0}
              max={layers - 1}
              value={to}
              aria-label={`last layer (${to})`}
              onChange={(e) => setLayers(from, Number(e.target.value))}
              data-testid="settings.layer-to"
            />
          </span>
        </label>
      )}
      <ThresholdRule
        label="τ_t (threshold on Ŝ_T)"
        rule={s.tauT}
        onChange={(tauT) => patchSettings({ tauT })}
        testId="settings.tau-t"
      />
      <ThresholdRule
        label="τ_i (threshold on Ŝ_I)"
        rule={s.tauI}
        onChange={(tauI) => patchSettings({ tauI })}
        testId="settings.tau-i"
      />
      <label>
        token’s row{' '}
        <select
          value={s.rowReading}
          onChange={(e) => patchSettings({ rowReading: e.target.value as 'own' | 'producing' })}
        >
          <option value="own">its own (paper)</option>
          <option value="producing">the one it was produced under</option>
        </select>
      </label>
      <label>
        anomaly words{' '}
        <input
          type="text"
          value={s.anomalyWords.join(', ')}
          onChange={(e) =>
            patchSettings({
              anomalyWords: e.target.value
                .split(',')
                .map((w) => w.trim().toLowerCase())
                .filter(Boolean),
            })
          }
        />
      </label>
      <label>
        tint tokens by{' '}
        <select value={tintBy} onChange={(e) => patchView({ tintBy: e.target.value as TintBy })}>
          <option value="weight">weight w</option>
          <option value="sT">Ŝ_T</option>
          <option value="sI">Ŝ_I</option>
        </select>
      </label>
    </details>
  );
}

/** A threshold rule: the spec's median or knee, the mean, or a fixed value. */
function ThresholdRule({
  label,
  rule,
  onChange,
  testId,
}: {
  label: string;
  rule: Rule;
  onChange: (r: Rule) => void;
  testId: string;
}) {
  return (
    <label>
      {label}
      <span className="pair">
        <select
          value={rule.rule}
          onChange={(e) => {
            const r = e.target.value as Rule['rule'];
            onChange(r === 'fixed' ? { rule: 'fixed', value: 0.5 } : { rule: r });
          }}
          data-testid={testId}
        >
          <option value="median">median</option>
          <option value="knee">knee (max curvature)</option>
          <option value="mean">mean</option>
          <option value="fixed">fixed</option>
        </select>
        {rule.rule === 'fixed' && (
          <NumberInput
            value={rule.value}
            min={0}
            max={1}
            step={0.05}
            fallback={0}
            label={`${label}: fixed value`}
            onChange={(value) => onChange({ rule: 'fixed', value })}
          />
        )}
      </span>
    </label>
  );
}
