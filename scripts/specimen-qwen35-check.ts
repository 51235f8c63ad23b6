/**
 * The Qwen3.5 specimen check (tests/onnx-patch/qwen35-check.ts) as a
 * command, with its numbers printed: the patched Qwen3.5-0.8B decoder from
 * ../shared, run with generated weights on wasm; rows against GQA's own
 * qk_output, original outputs bitwise against the unpatched graph's.
 *
 *   npx tsx scripts/specimen-qwen35-check.ts [--prompt 6] [--steps 3]
 */
import { qwen35Check, QWEN35_DECODER } from '../tests/onnx-patch/qwen35-check';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};

const r = await qwen35Check(arg('prompt', 6), arg('steps', 3), console.log);
if (!r) {
  console.log(`skipped: ${QWEN35_DECODER} is absent`);
} else {
  const ok = r.bitwise && Object.values(r.worst).every((d) => d < 1e-5);
  console.log(`attention layers: ${r.layers.join(', ')}`);
  console.log(`logits and state outputs bitwise equal to the unpatched graph's: ${r.bitwise}`);
  console.log(
    `max |row - qk_output head mean| per layer: ${Object.entries(r.worst)
      .map(([l, d]) => `${l}: ${d.toExponential(2)}`)
      .join(', ')}`,
  );
  console.log(`last row of layer ${r.layers[0]}: ${r.lastRow.map((v) => v.toFixed(4)).join(' ')}`);
  console.log(`${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssGb.toFixed(2)} GB`);
  console.log(ok ? 'PASS' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
}
