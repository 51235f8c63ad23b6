/**
 * `npm run bench:real`: how long the method takes on a Qwen2-VL-sized trace.
 * A benchmark, not a test: it measures and prints. Targets on this machine:
 * a full rescore under 50 ms, one token's map under 2 ms.
 */
import {
  defaultSettings,
  meanAtPositions,
  prepareTrace,
  resolveLayers,
  scorePrepared,
  withDefaults,
} from '../src/real';
import { syntheticTrace } from './synthetic-trace';

function time(fn: () => void, runs: number): { median: number; p95: number } {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(runs / 2)], p95: t[Math.min(runs - 1, Math.floor(runs * 0.95))] };
}

const t0 = performance.now();
const trace = syntheticTrace();
const built = performance.now() - t0;
const settings = defaultSettings();
const layers = resolveLayers(null, 28);
const image = Int32Array.from(trace.imagePositions);

// Warm up the JIT before measuring.
for (let i = 0; i < 3; i++) scorePrepared(prepareTrace(trace, settings), settings);

const full = time(() => scorePrepared(prepareTrace(trace, settings), settings), 30);
const prepared = prepareTrace(trace, settings);
const alphaOnly = time(() => scorePrepared(prepared, withDefaults({ alpha: Math.random() })), 100);
let g = 1;
const oneMap = time(() => {
  meanAtPositions(trace.generated[(g = (g % 590) + 1)].attention, image, layers);
}, 500);

const rows = [
  ['full rescore (prepare + score, all 28 layers)', full, 50],
  ['rescore after α/β change (prepared kept)', alphaOnly, 50],
  ["one token's map (28-layer mean at 225 cells)", oneMap, 2],
] as const;
console.log(
  `synthetic trace: 28 layers, 15×15 grid, 600 prompt+image positions, 600 generated (built in ${built.toFixed(0)} ms)`,
);
console.log('| measurement | median ms | p95 ms | target ms | met |');
console.log('|---|---:|---:|---:|---|');
for (const [name, r, target] of rows) {
  console.log(
    `| ${name} | ${r.median.toFixed(3)} | ${r.p95.toFixed(3)} | ${target} | ${r.median < target ? 'yes' : 'NO'} |`,
  );
}
