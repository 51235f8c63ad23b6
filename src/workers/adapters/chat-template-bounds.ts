/**
 * Sizes of what a chat template is about to build, worked out from the
 * inputs before @huggingface/jinja builds it: the filters and methods whose
 * output can be far larger than their inputs (`indent(width)`,
 * `tojson(indent=…)`, `join(sep)`, `replace(old, new)`, `split`), and the
 * length a list or object takes once written out (`{{ list }}`, `tojson`).
 * A template whose value would pass the cap is refused with these numbers,
 * never after a 300 MB string has been made (or V8's "Invalid string
 * length").
 */

/** A runtime value of @huggingface/jinja, as far as sizes go. */
export interface JinjaValue {
  type: string;
  value: unknown;
}

const isValue = (v: unknown): v is JinjaValue =>
  typeof v === 'object' && v !== null && typeof (v as JinjaValue).type === 'string';

/** Deeper than any real conversation; a deeper (or cyclic) value is refused rather than walked. */
const MAX_DEPTH = 64;

/**
 * An upper bound on the characters `value` takes written out as JSON with
 * `indent` spaces a level (what `tojson`, the `string` filter and `{{ list }}`
 * print), counted until `cap` is passed: the result is then `cap + 1`.
 * Strings count 6 characters each (a `\u00XX` escape), so the bound holds
 * whatever they contain. Sizes of lists and objects are kept in `memo`.
 */
export function writtenLength(
  value: JinjaValue,
  indent: number,
  cap: number,
  memo?: WeakMap<object, number>,
): number {
  const over = cap + 1;
  const walk = (v: JinjaValue, depth: number): number => {
    if (depth > MAX_DEPTH) return over;
    switch (v.type) {
      case 'StringValue':
        return 6 * (v.value as string).length + 2;
      case 'ArrayValue':
      case 'TupleValue':
      case 'ObjectValue':
      case 'KeywordArgumentsValue':
      case 'NamespaceValue': {
        if (indent === 0 && memo?.has(v)) return memo.get(v)!;
        const items: unknown[] =
          v.value instanceof Map ? [...(v.value as Map<string, unknown>).entries()] : (v.value as unknown[]);
        // Per item: its separator and, with an indent, a line break and the padding of its depth.
        const perItem = 2 + (indent > 0 ? 1 + indent * (depth + 1) : 0);
        let n = 2 + (indent > 0 ? 1 + indent * depth : 0);
        for (const item of items) {
          n += perItem;
          if (Array.isArray(item)) {
            n += 6 * String(item[0]).length + 4;
            if (isValue(item[1])) n += walk(item[1], depth + 1);
          } else if (isValue(item)) n += walk(item, depth + 1);
          if (n > cap) return over;
        }
        if (indent === 0) memo?.set(v, n);
        return n;
      }
      default:
        // Numbers, booleans, null, undefined: as JSON.stringify writes them.
        return JSON.stringify(v.value)?.length ?? 4;
    }
  };
  return Math.min(walk(value, 0), over);
}

/** How often `part` occurs in `s` without overlap (as String.replace and split count). */
function occurrences(s: string, part: string): number {
  if (part === '') return s.length + 1;
  let n = 0;
  for (let at = s.indexOf(part); at !== -1; at = s.indexOf(part, at + part.length)) n++;
  return n;
}

const str = (v: JinjaValue | undefined): string | undefined =>
  v?.type === 'StringValue' ? (v.value as string) : undefined;
const int = (v: JinjaValue | undefined): number | undefined =>
  v?.type === 'IntegerValue' ? (v.value as number) : undefined;

export interface Args {
  positional: JinjaValue[];
  keywords: Map<string, JinjaValue>;
}
const arg = (a: Args, i: number, name: string) => a.positional[i] ?? a.keywords.get(name);

/**
 * The most characters (or, for split, items) that the filter or method
 * `name` can give for `operand` and `args`; null when it does not grow its
 * input (its result is then checked once built, like every value).
 */
export function grownSize(
  name: string,
  operand: JinjaValue,
  args: Args,
  cap: number,
): { chars: number } | { items: number } | null {
  const s = str(operand);
  switch (name) {
    case 'indent': {
      const width = int(arg(args, 0, 'width')) ?? 4;
      if (s === undefined || width <= 0) return null;
      // Every line but the first (unless `first`), blank ones included: an upper bound.
      const first = arg(args, 1, 'first')?.value === true;
      return { chars: s.length + (occurrences(s, '\n') + (first ? 1 : 0)) * width };
    }
    case 'tojson':
    case 'string': {
      if (s !== undefined && name === 'string') return null;
      const indent = name === 'tojson' ? (int(args.keywords.get('indent')) ?? 0) : 0;
      return { chars: writtenLength(operand, Math.max(0, indent), cap) };
    }
    case 'join': {
      const sep = str(arg(args, 0, 'separator')) ?? '';
      if (s !== undefined) return { chars: s.length + Math.max(0, s.length - 1) * sep.length };
      if (operand.type !== 'ArrayValue' && operand.type !== 'TupleValue') return null;
      const items = operand.value as JinjaValue[];
      let n = Math.max(0, items.length - 1) * sep.length;
      for (const x of items) {
        n += typeof x.value === 'string' ? x.value.length : 24;
        if (n > cap) break;
      }
      return { chars: n };
    }
    case 'replace': {
      const from = str(arg(args, 0, 'old'));
      const to = str(arg(args, 1, 'new'));
      if (s === undefined || from === undefined || to === undefined || to.length <= from.length) return null;
      const count = int(arg(args, 2, 'count'));
      let times = occurrences(s, from);
      if (count !== undefined && count >= 0) times = Math.min(times, count);
      return { chars: s.length + times * (to.length - from.length) };
    }
    case 'split': {
      if (s === undefined) return null;
      const sep = str(arg(args, 0, 'sep'));
      return { items: (sep === undefined ? (s.match(/\s+/g)?.length ?? 0) : occurrences(s, sep)) + 1 };
    }
    default:
      return null;
  }
}
