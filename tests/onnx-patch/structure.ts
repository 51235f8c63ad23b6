/**
 * A structural check of a model, independent of onnxruntime: every node
 * input is defined before it (graph input, initializer, earlier node output,
 * or a value of an enclosing graph), no value is produced twice in a scope,
 * and every graph output is defined.
 */
import { readGraph, type GraphBody } from '../../src/workers/onnx';

function check(g: GraphBody, outer: Set<string>, where: string, problems: string[]): void {
  const defined = new Set(outer);
  for (const v of g.inputs) defined.add(v.name);
  for (const t of g.initializers) defined.add(t.name);
  for (const n of g.nodes) {
    for (const i of n.inputs)
      if (i && !defined.has(i)) problems.push(`${where}: ${n.op} "${n.name}" reads undefined ${i}`);
    for (const a of n.attributes)
      for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])])
        check(sub, defined, `${where} > ${n.name}.${a.name}`, problems);
    for (const o of n.outputs) {
      if (!o) continue;
      if (defined.has(o)) problems.push(`${where}: ${n.op} "${n.name}" redefines ${o}`);
      defined.add(o);
    }
  }
  for (const o of g.outputs)
    if (!defined.has(o.name)) problems.push(`${where}: output ${o.name} is not defined`);
}

export function structuralProblems(bytes: Uint8Array): string[] {
  const problems: string[] = [];
  check(readGraph(bytes), new Set(), 'main', problems);
  return problems;
}
