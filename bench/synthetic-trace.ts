import type { Trace } from '../src/real';

/**
 * A trace the size of a real Qwen2-VL run: 28 layers, a 15×15 grid, 600
 * image+prompt positions, 600 generated tokens. Values are random but shaped
 * like attention (non-negative, summing to about 1), with a few tokens
 * concentrated on one region, so every code path of the method runs.
 */
export function syntheticTrace(
  opts = { layers: 28, rows: 15, cols: 15, promptLength: 600, generated: 600, seed: 1 },
): Trace {
  let s = opts.seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const cells = opts.rows * opts.cols;
  const promptTexts = [
    '▁Are',
    '▁there',
    '▁any',
    '▁defects',
    '▁or',
    '▁anomalies',
    '▁in',
    '▁the',
    '▁image',
    '?',
  ];
  const promptCount = opts.promptLength - cells;
  const prompt = Array.from({ length: promptCount }, (_, i) => ({
    position: cells + i,
    text:
      i >= promptCount - promptTexts.length ? promptTexts[i - (promptCount - promptTexts.length)] : '▁ctx',
  }));
  const generated = Array.from({ length: opts.generated }, (_, g) => {
    const position = opts.promptLength + g;
    const text =
      g === 0
        ? '<think>'
        : g === opts.generated - 3
          ? '</think>'
          : g === opts.generated - 2
            ? '<answer>'
            : '▁word';
    const focused = g % 17 === 0;
    const attention = Array.from({ length: opts.layers }, () => {
      const row = new Float32Array(position + 1);
      let sum = 0;
      for (let p = 0; p <= position; p++) {
        const r =
          p < cells && focused
            ? p % opts.cols < 4 && p < 4 * opts.cols
              ? 5 * rand()
              : 0.05 * rand()
            : rand();
        row[p] = r;
        sum += r;
      }
      for (let p = 0; p <= position; p++) row[p] /= sum;
      return row;
    });
    return { position, text, special: text.startsWith('<'), attention };
  });
  return {
    format: 'real-trace',
    version: 1,
    model: 'synthetic',
    grid: { rows: opts.rows, cols: opts.cols },
    imagePositions: Array.from({ length: cells }, (_, i) => i),
    prompt,
    generated,
  };
}

/**
 * A trace the size of Qwen2.5-VL-3B's run on a 1008 × 1008 image: 36 layers,
 * a 36 × 36 grid (1,296 image tokens), 1,400 image+prompt positions, 600
 * generated tokens: 36.7 million attention values, 73 MB as float16.
 */
export function qwen25vl3bTrace(): Trace {
  return syntheticTrace({ layers: 36, rows: 36, cols: 36, promptLength: 1400, generated: 600, seed: 1 });
}
