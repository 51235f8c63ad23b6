import { patchSettings, useAppStore } from '../../store';
import { rescoreRunSet } from '../../run-set/run-set-client';
import { useRunSets, type Slot } from '../../run-set/run-set-store';
import { settingsDiff } from '../../run-set/settings-diff';

/**
 * What a set's rows were scored with: the model and dataset its summary
 * names, and, where the set's settings are not the app's (a `real eval
 * --k 5` summary, or the app's changed since the set was opened), which ones
 * differ, with a way to bring the two together either way.
 */
export function SetScoring({ slot }: { slot: Slot }) {
  const s = useRunSets((st) => st.sets[slot]);
  const app = useAppStore((st) => st.view.settings);
  if (!s || !s.settings) return null;
  const h = s.header;
  const model = h?.model && [h.model.name, h.model.family, h.model.dtype].filter(Boolean).join(', ');
  const dataset = h?.dataset && `${h.dataset.name} (${h.dataset.layout})`;
  const diff = settingsDiff(s.settings, app);
  const from =
    s.scoredWith === 'summary' ? 'the summary’s settings' : 'the app’s settings when it was opened';
  return (
    <div className="set-scoring" data-testid={`run-set.${slot}.scoring`}>
      {(model || dataset) && (
        <p className="hint">
          {model && `Model: ${model}`}
          {model && dataset && ' · '}
          {dataset && `dataset: ${dataset}`}
          {h?.shard && ` · shard ${h.shard}`}
        </p>
      )}
      {diff.length > 0 && (
        <p className="warning" data-testid={`run-set.${slot}.settings-differ`}>
          Scored with {from}, not the app’s: {diff.join('; ')}. A run opened from here is scored with the
          app’s.{' '}
          <button
            onClick={() => patchSettings(structuredClone(s.settings!))}
            data-testid={`run-set.${slot}.use-settings`}
          >
            Use the set’s settings in the app
          </button>{' '}
          <button
            disabled={s.loading}
            onClick={() => rescoreRunSet(slot)}
            data-testid={`run-set.${slot}.rescore`}
          >
            Score the set again with the app’s
          </button>
        </p>
      )}
    </div>
  );
}
