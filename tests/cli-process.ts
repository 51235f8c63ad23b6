/**
 * Running the `real` command from tests as users do, and checking how it
 * refuses bad input: one line on standard error, nothing on standard output,
 * exit 2; and, for input that must be cheap to refuse, its CPU time and peak
 * memory (tests/cli-measure.ts runs it in-process and reports them).
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { HANG_MS } from './timing';

/** `npm run --silent real -- …`, as the README says. */
export function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/^npm warn.*\n/gm, ''),
    error: r.error,
  };
}

/** The command run in-process by tests/cli-measure.ts: its one-line message, times (ms) and peak RSS (MB). */
export function measured(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'tests/cli-measure.ts', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = /^MEASURE (.*)$/m.exec(r.stderr);
  if (!line) throw new Error(`no measurement: ${r.stderr}`);
  const m = JSON.parse(line[1]) as {
    ms: number;
    cpuMs: number;
    loadMs: number;
    maxRssMB: number;
    code: number;
  };
  return { ...m, message: r.stderr.replace(/^MEASURE .*\n/m, '').trim() };
}

/** Bounded work: under `cpuMs` of CPU (and `rssMB` of memory if given), and no hang. */
export function expectBounded(m: ReturnType<typeof measured>, cpuMs: number, rssMB?: number) {
  expect(m.cpuMs, 'CPU time (ms)').toBeLessThan(cpuMs);
  expect(m.ms, 'wall time (ms): no hang').toBeLessThan(HANG_MS);
  if (rssMB !== undefined) expect(m.maxRssMB, 'peak RSS (MB)').toBeLessThan(rssMB);
}

/** One line on standard error, nothing on standard output, exit 2. */
export function refused(r: ReturnType<typeof real>, message: RegExp) {
  expect(r.error).toBeUndefined();
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  // Printable: no raw bytes or control characters (tabs aside) in the message.
  // eslint-disable-next-line no-control-regex
  expect(r.stderr.trimEnd()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/);
  expect(r.stdout).toBe('');
  expect(r.status).toBe(2);
}
