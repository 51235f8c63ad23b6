import {
  DataType,
  type Dim,
  type GraphBody,
  type NodeInfo,
  type TensorMeta,
  type ValueInfo,
} from './graph-types';

/**
 * Name lookup in one graph and the graphs around it (a subgraph sees its
 * parents' values), plus just enough element-type inference to know whether
 * an attention input is fp32 or fp16 when the graph does not say.
 */
export class Scope {
  private readonly producers = new Map<string, NodeInfo>();
  private readonly consumers = new Map<string, NodeInfo[]>();
  private readonly infos = new Map<string, ValueInfo>();
  private readonly inits = new Map<string, TensorMeta>();
  private readonly types = new Map<string, number>();

  constructor(
    readonly graph: GraphBody,
    readonly parent: Scope | null = null,
  ) {
    for (const v of [...graph.inputs, ...graph.valueInfo, ...graph.outputs]) {
      const known = this.infos.get(v.name);
      if (!known || (!known.dims && v.dims) || (!known.elemType && v.elemType)) this.infos.set(v.name, v);
    }
    for (const t of graph.initializers) this.inits.set(t.name, t);
    for (const n of graph.nodes) {
      for (const o of n.outputs) if (o) this.producers.set(o, n);
      for (const i of n.inputs) if (i) (this.consumers.get(i) ?? this.consumers.set(i, []).get(i)!).push(n);
    }
  }

  producer(name: string): NodeInfo | null {
    return this.producers.get(name) ?? this.parent?.producer(name) ?? null;
  }

  /** Nodes of this graph that read `name`. */
  consumersOf(name: string): NodeInfo[] {
    return this.consumers.get(name) ?? [];
  }

  initializer(name: string): TensorMeta | null {
    return this.inits.get(name) ?? this.parent?.initializer(name) ?? null;
  }

  valueInfo(name: string): ValueInfo | null {
    return this.infos.get(name) ?? this.parent?.valueInfo(name) ?? null;
  }

  /** Whether `name` is defined here or in a parent (graph input, initializer or node output). */
  defines(name: string): boolean {
    return (
      this.producers.has(name) ||
      this.inits.has(name) ||
      this.graph.inputs.some((v) => v.name === name) ||
      (this.parent?.defines(name) ?? false)
    );
  }

  /** Static dims: an initializer's, else a recorded shape's; null when unknown. */
  dims(name: string): Dim[] | null {
    const t = this.initializer(name);
    if (t) return t.dims;
    return this.valueInfo(name)?.dims ?? null;
  }

  /** A dim as a number when it is one. */
  dim(name: string, axis: number): number | null {
    const d = this.dims(name);
    if (!d) return null;
    const v = d[axis < 0 ? d.length + axis : axis];
    return typeof v === 'number' && v > 0 ? v : null;
  }

  /** TensorProto.DataType of a value, 0 when it cannot be told. */
  elemType(name: string): number {
    const cached = this.types.get(name);
    if (cached !== undefined) return cached;
    this.types.set(name, 0); // cycles (malformed graphs) end here
    const t = this.inferType(name);
    this.types.set(name, t);
    return t;
  }

  private inferType(name: string): number {
    const init = this.initializer(name);
    if (init) return init.dataType;
    const info = this.valueInfo(name);
    if (info?.elemType) return info.elemType;
    const n = this.producer(name);
    if (!n) return 0;
    const attr = (k: string) => n.attributes.find((a) => a.name === k);
    const from = (i: number) => (n.inputs[i] ? this.elemType(n.inputs[i]) : 0);
    switch (n.op) {
      case 'Cast':
        return attr('to')?.i ?? 0;
      case 'CastLike':
        return from(1);
      case 'Constant':
        return attr('value')?.t?.dataType ?? (attr('value_float') ? DataType.FLOAT : DataType.INT64);
      case 'Shape':
      case 'Size':
      case 'NonZero':
      case 'ArgMax':
      case 'ArgMin':
        return DataType.INT64;
      case 'Equal':
      case 'Less':
      case 'LessOrEqual':
      case 'Greater':
      case 'GreaterOrEqual':
      case 'And':
      case 'Or':
      case 'Not':
      case 'Xor':
      case 'IsNaN':
      case 'IsInf':
        return DataType.BOOL;
      case 'Where':
        return from(1);
      case 'DequantizeLinear':
        return from(1);
      case 'MatMulInteger':
      case 'ConvInteger':
        return DataType.INT32;
      case 'DynamicQuantizeLinear':
        return n.outputs[0] === name ? DataType.UINT8 : DataType.FLOAT;
      default:
        return from(0);
    }
  }
}
