/**
 * Runs the `real` command in this process and reports on standard error how
 * long the command took and the process's peak resident memory, as a last
 * line `MEASURE {"ms":…,"loadMs":…,"maxRssMB":…,"code":2}`: `ms` is the
 * command itself (its modules already loaded, as `--help` loads them all),
 * `loadMs` the loading before it; Node's and tsx's start-up are in neither.
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
const t1 = performance.now();
const code = await main(args);
const ms = performance.now() - t1;
process.exitCode = code;
const m = { ms, loadMs: t1 - t0, maxRssMB: process.resourceUsage().maxRSS / 1024, code };
writeSync(2, `MEASURE ${JSON.stringify(m)}\n`);
