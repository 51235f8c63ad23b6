import { useMemo } from 'react';
import { ablationMaps, MAP_MODES, MAP_MODE_LABELS } from '../../real';
import { useAppStore } from '../store';
import { usePrepared } from '../use-scores';
import { STAGES, useStage } from '../use-stage';
import { MapCanvas } from './MapCanvas';

/** The token-selection ablation side by side (paper table 3, figure 4): all tokens, S_I only, S_T only, ReAL. */
export function AblationGrid() {
  const { prepared } = usePrepared();
  const settings = useAppStore((s) => s.view.settings);
  const ready = useStage(STAGES.ablation);
  const maps = useMemo(
    () => (prepared && ready ? ablationMaps(prepared, settings) : null),
    [prepared, settings, ready],
  );
  if (!maps) return null;
  return (
    <section className="panel" data-testid="ablation">
      <h2>Token selection (paper, figure 4)</h2>
      <div className="ablation">
        {MAP_MODES.map((m) => (
          <figure key={m}>
            <MapCanvas
              map={maps[m]}
              size={150}
              testId={`ablation.${m}`}
              label={`${MAP_MODE_LABELS[m]}: the weighted map of the tokens this selection keeps, drawn over the image`}
            />
            <figcaption>{MAP_MODE_LABELS[m]}</figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}
