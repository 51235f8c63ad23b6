import { beforeEach, describe, expect, it } from 'vitest';
import {
  patchModel,
  patchSampling,
  patchSettings,
  resetStore,
  selectToken,
  toggleExcludedCell,
  toggleInGroup,
  useAppStore,
} from './store';

const view = () => useAppStore.getState().view;

beforeEach(() => resetStore());

describe('the view slice', () => {
  it('starts on the spec’s defaults and the ReAL map', () => {
    expect(view().selected).toBeNull();
    expect(view().settings).toMatchObject({ alpha: 0.5, beta: 0.5, k: 3, layers: null, rowReading: 'own' });
  });
  it('groups tokens with shift-click, starting from the selected one', () => {
    selectToken(4);
    toggleInGroup(7);
    expect(view().group).toEqual([4, 7]);
    toggleInGroup(2);
    expect(view().group).toEqual([2, 4, 7]);
    toggleInGroup(7);
    toggleInGroup(2);
    // one left: back to a plain selection
    expect(view().group).toEqual([]);
    expect(view().selected).toBe(4);
    toggleInGroup(9);
    selectToken(1);
    expect(view().group).toEqual([]);
  });
  it('toggles cells out of the colour scale', () => {
    toggleExcludedCell(3);
    toggleExcludedCell(5);
    toggleExcludedCell(3);
    expect(view().excludedCells).toEqual([5]);
  });
  it('keeps settings it was not asked to change, and resets', () => {
    patchSettings({ alpha: 0.9 });
    expect(view().settings).toMatchObject({ alpha: 0.9, beta: 0.5 });
    resetStore();
    expect(view().settings.alpha).toBe(0.5);
  });
});

describe('the generation slice', () => {
  it("keeps only the user's changes to the model's decoding settings", () => {
    const sampling = { greedy: false, repetitionPenalty: 1.05, temperature: 0.1, topK: 1, topP: 0.001 };
    patchModel({ info: { sampling } as never });
    expect(useAppStore.getState().generation.sampling).toEqual({});
    patchSampling({ greedy: true });
    expect(useAppStore.getState().generation.sampling).toEqual({ greedy: true });
    patchSampling({ temperature: 0.7 });
    // unticking greedy again is the model's own setting: no change left but the temperature
    patchSampling({ greedy: false });
    expect(useAppStore.getState().generation.sampling).toEqual({ temperature: 0.7 });
    expect(useAppStore.getState().generation.seed).toBeNull();
  });
});
