import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { grownSize, writtenLength } from './chat-template-bounds';

/**
 * A repo's chat template rendered with @huggingface/jinja under bounds, so a
 * hostile or broken template fails with a message instead of running the
 * tab or Node out of memory or time: a source and output size cap, a cap on
 * every string and list the template builds (checked before the filters and
 * methods that multiply their input build anything: chat-template-bounds.ts),
 * a cap on all the text built, a bounded `range`, a step count and a
 * wall-clock deadline (checked at every evaluated node, so even
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
  /** Characters of all the strings built, together (loops add up); 16 × maxChars by default. */
  maxBuiltChars?: number;
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
type Env = Environment;
/** The node fields the bounds look at (the parser's AST, as plain objects). */
interface AstNode {
  type: string;
  value?: unknown;
  operand?: AstNode;
  filter?: AstNode;
  callee?: AstNode;
  object?: AstNode;
  property?: AstNode;
  computed?: boolean;
  args?: AstNode[];
}
/** The interpreter's own steps that the bounds call between evaluating the inputs and building the value. */
interface InterpreterInternals {
  applyFilter(operand: Value, filter: AstNode, env: Env): Value;
  evaluateArguments(args: AstNode[], env: Env): [Value[], Map<string, Value>];
}

/** Filters and string methods whose value can be much larger than their inputs (chat-template-bounds.ts). */
const GROWING = new Set(['indent', 'tojson', 'string', 'join', 'replace', 'split']);

class BoundedInterpreter extends Interpreter {
  private steps = 0;
  private built = 0;
  private readonly deadline: number;
  private readonly sizes = new WeakMap<object, number>();

  constructor(
    env: Environment,
    private limits: TemplateLimits,
  ) {
    super(env);
    this.deadline = Date.now() + limits.maxMs;
  }

  private get internals(): InterpreterInternals {
    return this as unknown as InterpreterInternals;
  }

  override evaluate(node: Node, env: Environment): Value {
    if (++this.steps > this.limits.maxSteps)
      throw new ChatTemplateError(
        `the chat template ran more than ${this.limits.maxSteps} steps; refusing it`,
      );
    if (Date.now() > this.deadline)
      throw new ChatTemplateError(`the chat template ran longer than ${this.limits.maxMs} ms; refusing it`);
    const n = node as AstNode | undefined;
    let v: Value;
    if (n?.type === 'FilterExpression') v = this.filtered(n, env);
    else {
      if (n?.type === 'CallExpression') this.checkMethodCall(n, env);
      v = super.evaluate(node, env);
    }
    this.checkBuilt(v);
    return v;
  }

  /** `operand | filter`, as the interpreter evaluates it, with the filter's output size checked first. */
  private filtered(n: AstNode, env: Env): Value {
    const operand = this.evaluate(n.operand as Node, env);
    const f = n.filter!;
    const name =
      f.type === 'Identifier' ? f.value : f.type === 'CallExpression' ? f.callee?.value : undefined;
    if (typeof name === 'string' && GROWING.has(name)) {
      const [positional, keywords] =
        f.type === 'CallExpression' ? this.internals.evaluateArguments(f.args ?? [], env) : [[], new Map()];
      this.checkGrowth(name, operand, positional, keywords);
    }
    return this.internals.applyFilter(operand, f, env);
  }

  /** `text.replace(…)` and `text.split(…)`: the result's size from the string and the arguments, before the call. */
  private checkMethodCall(n: AstNode, env: Env): void {
    const c = n.callee;
    const name = c?.property?.value;
    if (c?.type !== 'MemberExpression' || c.computed || typeof name !== 'string') return;
    if (name !== 'replace' && name !== 'split') return;
    const object = this.evaluate(c.object as Node, env);
    if (object.type !== 'StringValue') return;
    const [positional, keywords] = this.internals.evaluateArguments(n.args ?? [], env);
    this.checkGrowth(name, object, positional, keywords);
  }

  private checkGrowth(name: string, operand: Value, positional: Value[], keywords: Map<string, Value>): void {
    const { maxChars, maxItems } = this.limits;
    const g = grownSize(name, operand, { positional, keywords }, maxChars);
    if (g && 'chars' in g && g.chars > maxChars)
      throw new ChatTemplateError(
        `the chat template's ${name} would build a string of ${g.chars > maxChars + 1 ? `${g.chars}` : `more than ${maxChars}`} characters (at most ${maxChars}); refusing it`,
      );
    if (g && 'items' in g && g.items > maxItems)
      throw new ChatTemplateError(
        `the chat template's split would build a list of ${g.items} items (at most ${maxItems}); refusing it`,
      );
  }

  /** Every value once built: a string or list over the caps, or more text in all than maxBuiltChars, is refused. */
  private checkBuilt(v: Value): void {
    const { maxChars, maxItems } = this.limits;
    if (v.type === 'StringValue') {
      const length = (v.value as string).length;
      if (length > maxChars)
        throw new ChatTemplateError(
          `the chat template built a string of more than ${maxChars} characters; refusing it`,
        );
      this.built += length;
      const most = this.limits.maxBuiltChars ?? 16 * maxChars;
      if (this.built > most)
        throw new ChatTemplateError(
          `the chat template built more than ${most} characters of text in all; refusing it`,
        );
    } else if (v.type === 'ArrayValue' || v.type === 'TupleValue' || v.type === 'ObjectValue') {
      if (v.type !== 'ObjectValue' && (v.value as unknown[]).length > maxItems)
        throw new ChatTemplateError(
          `the chat template built a list of more than ${maxItems} items; refusing it`,
        );
      // Printed ({{ list }}) or passed to tojson, it must fit the output cap too.
      if (writtenLength(v, 0, maxChars, this.sizes) > maxChars)
        throw new ChatTemplateError(
          `the chat template built a ${v.type === 'ObjectValue' ? 'mapping' : 'list'} of more than ${maxChars} characters written out; refusing it`,
        );
    }
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
      // The parser's own syntax errors say what is wrong; a TypeError is it tripping over malformed input
      // (a template cut inside a tag), whose text would only confuse.
      const why =
        e instanceof TypeError || e instanceof RangeError
          ? 'a tag or an expression is cut off or malformed'
          : (e as Error).message.split('\n')[0];
      throw new ChatTemplateError(`the chat template does not parse: ${why}`, { cause: e });
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
