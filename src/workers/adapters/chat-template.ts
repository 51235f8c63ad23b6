import { Environment, Interpreter, Template } from '@huggingface/jinja';

/**
 * A repo's chat template rendered with @huggingface/jinja under bounds, so a
 * hostile or broken template fails with a message instead of running the
 * tab or Node out of memory or time: a source and output size cap, a cap on
 * every string and list the template builds, a bounded `range`, a step
 * count and a wall-clock deadline (checked at every evaluated node, so even
 * nested empty loops stop). The globals are @huggingface/jinja's own, with
 * `range` replaced.
 */
export interface TemplateLimits {
  /** Longest template source, characters. */
  maxSource: number;
  /** Longest string the template may build, the output included. */
  maxChars: number;
  /** Longest list (range() included). */
  maxItems: number;
  /** Evaluated nodes. */
  maxSteps: number;
  /** Milliseconds. */
  maxMs: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = {
  maxSource: 1_000_000,
  maxChars: 1_000_000,
  maxItems: 100_000,
  maxSteps: 2_000_000,
  maxMs: 2_000,
};

export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}

type Node = Parameters<Interpreter['evaluate']>[0];
type Value = ReturnType<Interpreter['evaluate']>;

class BoundedInterpreter extends Interpreter {
  private steps = 0;
  private readonly deadline: number;

  constructor(
    env: Environment,
    private limits: TemplateLimits,
  ) {
    super(env);
    this.deadline = Date.now() + limits.maxMs;
  }

  override evaluate(node: Node, env: Environment): Value {
    if (++this.steps > this.limits.maxSteps)
      throw new ChatTemplateError(
        `the chat template ran more than ${this.limits.maxSteps} steps; refusing it`,
      );
    if (Date.now() > this.deadline)
      throw new ChatTemplateError(`the chat template ran longer than ${this.limits.maxMs} ms; refusing it`);
    const v = super.evaluate(node, env);
    if (v.type === 'StringValue' && (v.value as string).length > this.limits.maxChars)
      throw new ChatTemplateError(
        `the chat template built a string of more than ${this.limits.maxChars} characters; refusing it`,
      );
    if (v.type === 'ArrayValue' && (v.value as unknown[]).length > this.limits.maxItems)
      throw new ChatTemplateError(
        `the chat template built a list of more than ${this.limits.maxItems} items; refusing it`,
      );
    return v;
  }
}

function boundedRange(maxItems: number) {
  return (start: number, stop?: number, step = 1): number[] => {
    const [a, b] = stop === undefined ? [0, start] : [start, stop];
    if (![a, b, step].every(Number.isInteger)) throw new ChatTemplateError('range() takes whole numbers');
    if (step === 0) throw new ChatTemplateError('range() step must not be zero');
    const n = Math.max(0, Math.ceil((b - a) / step));
    if (n > maxItems)
      throw new ChatTemplateError(
        `the chat template asked for range() of ${n} items (at most ${maxItems}); refusing it`,
      );
    return Array.from({ length: n }, (_, i) => a + i * step);
  };
}

function strftimeNow(format: string): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const long = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  const map: Record<string, string> = {
    d: pad(d.getDate()),
    m: pad(d.getMonth() + 1),
    Y: String(d.getFullYear()),
    y: pad(d.getFullYear() % 100),
    b: months[d.getMonth()],
    B: long[d.getMonth()],
    H: pad(d.getHours()),
    M: pad(d.getMinutes()),
    S: pad(d.getSeconds()),
    '%': '%',
  };
  return String(format).replace(/%(.)/g, (m, c: string) => (Object.hasOwn(map, c) ? map[c] : m));
}

/** A parsed chat template, rendered under `limits`. */
export class ChatTemplate {
  private parsed: Template['parsed'];

  constructor(
    source: string,
    private limits: TemplateLimits = DEFAULT_TEMPLATE_LIMITS,
  ) {
    if (typeof source !== 'string' || source.trim() === '')
      throw new ChatTemplateError(
        'the repo has no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json)',
      );
    if (source.length > limits.maxSource)
      throw new ChatTemplateError(
        `the chat template is ${source.length} characters long (at most ${limits.maxSource}); refusing it`,
      );
    try {
      this.parsed = new Template(source).parsed;
    } catch (e) {
      throw new ChatTemplateError(`the chat template does not parse: ${(e as Error).message}`, { cause: e });
    }
  }

  render(vars: Record<string, unknown>): string {
    const env = new Environment();
    const globals: Record<string, unknown> = {
      false: false,
      true: true,
      none: null,
      False: false,
      True: true,
      None: null,
      raise_exception: (message: unknown) => {
        throw new ChatTemplateError(`the chat template refused the conversation: ${String(message)}`);
      },
      range: boundedRange(this.limits.maxItems),
      strftime_now: strftimeNow,
    };
    // The bounded globals win over any variable of the same name.
    for (const [k, v] of Object.entries({ ...vars, ...globals })) env.set(k, v);
    try {
      const out = new BoundedInterpreter(env, this.limits).run(this.parsed);
      return String(out.value);
    } catch (e) {
      if (e instanceof ChatTemplateError) throw e;
      // Stack overflow from runaway recursion lands here too, as a RangeError.
      throw new ChatTemplateError(`the chat template failed: ${(e as Error).message}`, { cause: e });
    }
  }
}
