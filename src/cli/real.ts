/**
 * The `real` command line: `npm run --silent real -- <command> …`.
 * Standard output carries only the result (JSON); messages and progress go
 * to standard error; bad input exits 2 with a one-line message.
 */
import { parseArgs } from 'node:util';
import {
  GENERATION_OPTIONS,
  METHOD_OPTIONS,
  UsageError,
  generationFromFlags,
  settingsFromFlags,
} from './args';
import { evalCommand } from './eval-command';
import { evalTracesCommand } from './eval-traces-command';
import { runCommand } from './run-command';
import { scoreCommand } from './score-command';

const USAGE = `usage:
  real score TRACE.json [--alpha A] [--beta B] [--k K] [--layers FROM:TO]
  real run IMAGE --model DIR [--out TRACE.json] [GENERATION]
  real eval DIR --model DIR [--traces OUTDIR] [GENERATION] [--alpha A] [--beta B] [--k K] [--layers FROM:TO]
  real eval-traces DIR [--alpha A] [--beta B] [--k K] [--layers FROM:TO]
GENERATION: [--question TEXT] [--max-tokens N] [--temperature T] [--top-p P] [--seed S] (greedy by default)`;

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}

const err = (s: string) => process.stderr.write(`${s}\n`);

function progressBar(done: number, total: number, id: string): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${id}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total || done % 10 === 0) err(line);
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h') {
      err(USAGE);
      return command === undefined ? 2 : 0;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: {
          ...METHOD_OPTIONS,
          ...GENERATION_OPTIONS,
          model: { type: 'string' },
          out: { type: 'string' },
          traces: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message, { cause: e });
    }
    const settings = settingsFromFlags(parsed.values);
    const generation = generationFromFlags(parsed.values);
    const [target, ...extra] = parsed.positionals;
    if (target === undefined || extra.length > 0)
      throw new UsageError(`${command}: expected one path\n${USAGE}`);
    const model = () => {
      if (!parsed.values.model)
        throw new UsageError(`${command}: --model DIR is needed (a model package folder)`);
      return parsed.values.model;
    };
    switch (command) {
      case 'score':
        process.stdout.write(`${scoreCommand(target, settings)}\n`);
        return 0;
      case 'run': {
        const json = await runCommand(target, model(), parsed.values.out, err, generation);
        if (json) process.stdout.write(`${json}\n`);
        return 0;
      }
      case 'eval': {
        const { json, table } = await evalCommand(
          target,
          model(),
          settings,
          parsed.values.traces,
          progressBar,
        );
        err(table);
        process.stdout.write(`${json}\n`);
        return 0;
      }
      case 'eval-traces': {
        const { json, table } = evalTracesCommand(target, settings);
        err(table);
        process.stdout.write(`${json}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (e) {
    err(`real: ${oneLine((e as Error).message)}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
