import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXED_SEED } from './fast-check-seed';

describe('property tests are reproducible', () => {
  it('run with the fixed seed unless FUZZ_SEED says otherwise', () => {
    const env = process.env.FUZZ_SEED;
    if (!env) expect(fc.readConfigureGlobal().seed).toBe(FIXED_SEED);
    else if (env !== 'random') expect(fc.readConfigureGlobal().seed).toBe(Number(env));
    else expect(Number.isSafeInteger(fc.readConfigureGlobal().seed)).toBe(true);
  });

  it('draw the same cases every time they run', () => {
    const draw = () => fc.sample(fc.array(fc.double()), 20);
    expect(draw()).toEqual(draw());
  });
});
