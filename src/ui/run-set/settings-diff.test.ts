import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../real';
import { readSummarySettings, sameSettings } from '../../workers/run-set/summary-file';
import { summaryHeader } from '../../real/run-set/summary';
import { settingsDiff } from './settings-diff';

describe('a run set’s settings against the app’s', () => {
  it('names each setting that differs, and none when they agree', () => {
    const app = defaultSettings();
    expect(settingsDiff(defaultSettings(), app)).toEqual([]);
    const set = {
      ...app,
      alpha: 0.8,
      k: 5,
      layers: { from: 2, to: 7 },
      tauI: { rule: 'fixed', value: 0.4 } as const,
    };
    expect(settingsDiff(set, app)).toEqual([
      'α 0.8 (app: 0.5)',
      'k 5 (app: 3)',
      'layers 2–7 (app: all)',
      'τ_I fixed 0.4 (app: knee)',
    ]);
  });

  it('reads a summary header’s settings back as the CLI wrote them, and refuses what is not a setting', () => {
    const s = {
      ...defaultSettings(),
      beta: 0.25,
      layers: { from: 0, to: 3 },
      tauT: { rule: 'fixed', value: 0.2 } as const,
    };
    const back = readSummarySettings(JSON.parse(JSON.stringify(summaryHeader(s))));
    expect(back).toEqual(s);
    expect(sameSettings(back, s)).toBe(true);
    expect(sameSettings(back, defaultSettings())).toBe(false);
    const bad = (settings: Record<string, unknown>) => () =>
      readSummarySettings({
        ...summaryHeader(defaultSettings()),
        settings: { ...defaultSettings(), ...settings },
      });
    expect(bad({ k: 2.5 })).toThrow(/settings\.k: expected a whole number/);
    expect(bad({ alpha: 'x' })).toThrow(/settings\.alpha: expected a finite number/);
    expect(bad({ tauT: { rule: 'mode' } })).toThrow(/settings\.tauT\.rule/);
    expect(bad({ layers: { from: 4, to: 1 } })).toThrow(/settings\.layers/);
    expect(bad({ anomalyWords: [1] })).toThrow(/settings\.anomalyWords/);
  });
});
