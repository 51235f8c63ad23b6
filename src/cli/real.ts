/**
 * The `real` command line: `npm run --silent real -- <command> …`.
 * Standard output carries only the result (JSON); messages go to standard
 * error; bad input exits 2 with a one-line message.
 */
import { parseArgs } from 'node:util';
import { METHOD_OPTIONS, UsageError, settingsFromFlags } from './args';
import { evalTracesCommand } from './eval-traces-command';
import { scoreCommand } from './score-command';

const USAGE = `usage:
  real score TRACE.json [--alpha A] [--beta B] [--k K] [--layers FROM:TO]
  real eval-traces DIR [--alpha A] [--beta B] [--k K] [--layers FROM:TO]`;

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}

export function main(argv: string[]): number {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h') {
      process.stderr.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: METHOD_OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message, { cause: e });
    }
    const settings = settingsFromFlags(parsed.values);
    const [target, ...extra] = parsed.positionals;
    if (target === undefined || extra.length > 0)
      throw new UsageError(`${command}: expected one path\n${USAGE}`);
    switch (command) {
      case 'score':
        process.stdout.write(`${scoreCommand(target, settings)}\n`);
        return 0;
      case 'eval-traces': {
        const { json, table } = evalTracesCommand(target, settings);
        process.stderr.write(`${table}\n`);
        process.stdout.write(`${json}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (e) {
    process.stderr.write(`real: ${oneLine((e as Error).message)}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
