/**
 * Every property-based test runs with one seed, so a run of `npm test` is
 * reproducible and cannot fail by chance: FUZZ_SEED sets it (a whole number),
 * `FUZZ_SEED=random` draws a new one and prints it (`npm run fuzz` does), and
 * without it the fixed seed below is used. fast-check prints the seed and the
 * counterexample's path when a property fails; `FUZZ_SEED=<seed>` replays it.
 */
import fc from 'fast-check';

export const FIXED_SEED = 20261201;

const env = process.env.FUZZ_SEED;
const seed = !env ? FIXED_SEED : env === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(env);
if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be a whole number or "random", not ${env}`);
if (env === 'random') console.log(`fast-check seed ${seed} (FUZZ_SEED=${seed} replays this run)`);
fc.configureGlobal({ seed });
