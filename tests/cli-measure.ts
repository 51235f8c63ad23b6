/**
 * Runs the `real` command in this process and reports on standard error how
 * long the command took and the process's peak resident memory, as a last
 * line `MEASURE {"ms":…,"cpuMs":…,"loadMs":…,"maxRssMB":…,"code":2}`: `ms` is
 * the command's wall time and `cpuMs` its CPU time (user + system, which a
 * loaded machine hardly changes) with its modules already loaded, as
 * `--help` loads them all; `loadMs` the loading before it. Node's and tsx's
 * start-up are in none of them.
 * Usage: `npx tsx tests/cli-measure.ts run bomb.png --model DIR`.
 */
import { writeSync } from 'node:fs';

const args = process.argv.slice(2);
const t0 = performance.now();
// Importing the CLI runs it: with --help it only prints the usage (swallowed here) and loads every command.
process.argv = [process.argv[0], 'real', '--help'];
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = () => true;
const { main } = await import('../src/cli/real');
process.stderr.write = write;
const cpu = () => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1000;
};
const t1 = performance.now();
const c1 = cpu();
const code = await main(args);
const ms = performance.now() - t1;
const cpuMs = cpu() - c1;
process.exitCode = code;
const m = { ms, cpuMs, loadMs: t1 - t0, maxRssMB: process.resourceUsage().maxRSS / 1024, code };
writeSync(2, `MEASURE ${JSON.stringify(m)}\n`);
