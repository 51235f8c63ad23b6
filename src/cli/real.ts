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
import { convertCommand } from './convert-command';
import { EVAL_OPTIONS, EVAL_USAGE, evalMain } from './eval-main';
import { inspectModelCommand } from './inspect-model-command';
import { RuntimeChoiceError, runtimeFromFlags } from './node-ort';
import { parseTier, prepareCommand } from './prepare-command';
import { runCommand } from './run-command';
import { scoreCommand } from './score-command';
import { SIZING_OPTIONS, sizingFromFlags } from './sizing-flags';

const USAGE = `usage:
  real score TRACE [--view NAME] [--alpha A] [--beta B] [--k K] [--layers FROM:TO]   (TRACE: .json or binary)
  real convert IN OUT [--float16 | --float32]   (OUT .json: the JSON form; else binary, float16 by default)
  real run IMAGE --model DIR [--dtype D] [--tier 1|2|3|none] [--out TRACE.json] [GENERATION] [SIZING] [RUNTIME]
${EVAL_USAGE}
  real inspect-model DIR [--dtype D | --dtype decoder=D,vision=D,embed=D] [--backend webgpu|wasm] [--max-buffer BYTES] [--memory BYTES]
  real prepare IMAGE --model DIR [--question TEXT] [--tier 1|2|3|none] [SIZING]   (what the model will see; no ONNX loaded)
GENERATION: [--question TEXT] [--max-tokens N] [--greedy] [--temperature T] [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S]
  (by default as the model's generation_config.json says; --greedy keeps its repetition penalty)
SIZING: [--image-size paper|native|N] [--max-image-tokens N]   (a real model's image: the paper's 420 × 420 by default)
RUNTIME: [--runtime native|wasm] [--device cpu|cuda]   (default: onnxruntime-node on the CPU)`;

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g;

/** One printable line: newlines become spaces; other control characters and U+FFFD are shown escaped. */
function oneLine(message: string): string {
  const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return message.replace(/\s*\n\s*/g, ' ').replace(UNPRINTABLE, escape);
}

const err = (s: string) => process.stderr.write(`${s}\n`);

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
          ...SIZING_OPTIONS,
          ...EVAL_OPTIONS,
          model: { type: 'string' },
          out: { type: 'string' },
          traces: { type: 'string' },
          dtype: { type: 'string' },
          view: { type: 'string' },
          tier: { type: 'string' },
          float16: { type: 'boolean' },
          float32: { type: 'boolean' },
          backend: { type: 'string' },
          'max-buffer': { type: 'string' },
          memory: { type: 'string' },
          runtime: { type: 'string' },
          device: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message, { cause: e });
    }
    const settings = settingsFromFlags(parsed.values);
    const sizing = sizingFromFlags(parsed.values);
    const generation = { ...generationFromFlags(parsed.values), sizing };
    const runtime = (() => {
      try {
        return runtimeFromFlags(parsed.values);
      } catch (e) {
        throw e instanceof RuntimeChoiceError ? new UsageError(e.message, { cause: e }) : e;
      }
    })();
    const [target, ...extra] = parsed.positionals;
    const paths = command === 'convert' ? 2 : 1;
    if (target === undefined || extra.length !== paths - 1)
      throw new UsageError(`${command}: expected ${paths === 2 ? 'two paths' : 'one path'}\n${USAGE}`);
    const model = () => {
      if (!parsed.values.model)
        throw new UsageError(`${command}: --model DIR is needed (a model package folder)`);
      return parsed.values.model;
    };
    switch (command) {
      case 'score':
        process.stdout.write(`${scoreCommand(target, settings, parsed.values.view)}\n`);
        return 0;
      case 'convert':
        err(convertCommand(target, extra[0], parsed.values));
        return 0;
      case 'run': {
        const tier = parseTier(parsed.values.tier);
        const json = await runCommand(target, model(), parsed.values.out, err, {
          ...generation,
          ...(tier !== undefined ? { tier } : {}),
          dtype: parsed.values.dtype,
          runtime,
        });
        if (json) process.stdout.write(`${json}\n`);
        return 0;
      }
      case 'eval':
      case 'eval-traces':
        return await evalMain(command, {
          target,
          values: parsed.values,
          settings,
          generation,
          runtime,
          model,
          err,
          out: (s) => process.stdout.write(`${s}\n`),
          oneLine,
        });
      case 'prepare':
        process.stdout.write(
          `${await prepareCommand(target, model(), { question: parsed.values.question, tier: parseTier(parsed.values.tier), sizing }, err)}\n`,
        );
        return 0;
      case 'inspect-model':
        process.stdout.write(`${await inspectModelCommand(target, parsed.values.dtype, parsed.values)}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (e) {
    err(`real: ${oneLine((e as Error).message)}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
