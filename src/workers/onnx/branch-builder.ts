import { DataType } from './graph-types';
import type { NewAttr, NewNode, NewTensor } from './encode';

/**
 * Collects the nodes and constants of the side branches added to one graph,
 * with names under a prefix no export uses, and picks op forms by the
 * graph's ai.onnx opset (axes as an attribute or as an input). Identical
 * nodes and constants are made once, so what layers share (the mask, the
 * rotary position, the cos/sin rows) runs once per step.
 */
export class GraphAdditions {
  readonly nodes: NewNode[] = [];
  readonly initializers: NewTensor[] = [];
  /** `op|inputs|attrs` or constant bytes → the value's name. */
  readonly made = new Map<string, string>();
  private count = 0;

  constructor(
    readonly prefix: string,
    readonly opset: number,
  ) {}

  fresh(hint: string): string {
    return `${this.prefix}${hint}_${this.count++}`;
  }

  /** The value made under `key` by the first layer that asked, made now if none did. */
  shared(key: string, make: () => string): string {
    const known = this.made.get(`shared|${key}`);
    if (known) return known;
    const v = make();
    this.made.set(`shared|${key}`, v);
    return v;
  }
}

/** Integer, integer-list or string attributes (branches pass float values as constants). */
type Attrs = Record<string, number | number[] | string>;

function toAttrs(a: Attrs | undefined): NewAttr[] {
  return Object.entries(a ?? {}).map(([name, v]) =>
    typeof v === 'string' ? { name, s: v } : Array.isArray(v) ? { name, ints: v } : { name, i: v },
  );
}

/** One layer's branch: every helper returns the name of the value it adds. */
export class Branch {
  constructor(
    readonly add: GraphAdditions,
    readonly tag: string,
  ) {}

  op(op: string, inputs: string[], attrs?: Attrs, output?: string): string {
    const key = `${op}|${inputs.join(',')}|${JSON.stringify(attrs ?? {})}`;
    const known = output ? undefined : this.add.made.get(key);
    if (known) return known;
    const out = output ?? this.add.fresh(`${this.tag}/${op}`);
    this.add.nodes.push({ op, inputs, outputs: [out], name: out, attrs: toAttrs(attrs) });
    if (!output) this.add.made.set(key, out);
    return out;
  }

  private constant(dataType: number, dims: number[], raw: Uint8Array): string {
    const key = `const|${dataType}|${dims.join(',')}|${Array.from(raw).join(',')}`;
    const known = this.add.made.get(key);
    if (known) return known;
    const name = this.add.fresh(`${this.tag}/const`);
    this.add.initializers.push({ name, dataType, dims, raw });
    this.add.made.set(key, name);
    return name;
  }

  /** An int64 constant; a scalar when `dims` is []. */
  i64(values: number[], dims: number[] = [values.length]): string {
    return this.constant(
      DataType.INT64,
      dims,
      new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer),
    );
  }

  /** A float32 scalar. */
  f32(value: number): string {
    return this.constant(DataType.FLOAT, [], new Uint8Array(Float32Array.of(value).buffer));
  }

  /** A float32 vector. */
  f32s(values: number[]): string {
    return this.constant(DataType.FLOAT, [values.length], new Uint8Array(Float32Array.from(values).buffer));
  }

  /** A bool vector. */
  bools(values: boolean[]): string {
    return this.constant(
      DataType.BOOL,
      [values.length],
      Uint8Array.from(values, (v) => (v ? 1 : 0)),
    );
  }

  cast(x: string, to: number): string {
    return this.op('Cast', [x], { to });
  }

  /** x[..., index, ...] along `axis`, dropping the axis. */
  pick(x: string, index: number, axis: number): string {
    return this.op('Gather', [x, this.i64([index], [])], { axis });
  }

  /** Dim `axis` of x's shape, as an int64 scalar. */
  shapeDim(x: string, axis: number): string {
    return this.pick(this.op('Shape', [x]), axis, 0);
  }

  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.i64(shape)]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }

  slice(x: string, start: number, end: number, axis: number): string {
    return this.op('Slice', [x, this.i64([start]), this.i64([end]), this.i64([axis])]);
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.add.opset >= 13
      ? this.op('Unsqueeze', [x, this.i64(axes)])
      : this.op('Unsqueeze', [x], { axes });
  }

  /** ReduceMean without keeping the axes (axes became an input at opset 18). */
  mean(x: string, axes: number[], output?: string): string {
    return this.add.opset >= 18
      ? this.op('ReduceMean', [x, this.i64(axes)], { keepdims: 0 }, output)
      : this.op('ReduceMean', [x], { axes, keepdims: 0 }, output);
  }
}
