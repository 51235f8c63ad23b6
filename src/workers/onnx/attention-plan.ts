import type { GraphBody, GraphInfo, NodeInfo } from './graph-types';
import {
  gqaConfig,
  isAttentionSoftmax,
  mhaConfig,
  softmaxTap,
  type GqaConfig,
  type MhaConfig,
  type SoftmaxTap,
} from './attention-config';
import { Scope } from './scope';
import { opName, refuse, UnpatchableError } from './unpatchable';

/**
 * Finding every decoder layer's attention: which node, which layer index,
 * and what its side branch needs. Layer indices come from node names
 * (`/model/layers.L/`), or from the order of appearance when a graph does
 * not name its layers.
 */

/** 'existing': the graph already outputs decoder_attentions.* and its attention could not be analysed. */
export type AttentionKind = 'gqa' | 'decomposed' | 'mha' | 'if-merged' | 'existing';

export const ATTENTION_OUTPUT_PREFIX = 'decoder_attentions.';
export const attentionOutputName = (layer: number): string => `${ATTENTION_OUTPUT_PREFIX}${layer}`;

export type SiteConfig =
  | { kind: 'gqa'; config: GqaConfig }
  | { kind: 'mha'; config: MhaConfig }
  | { kind: 'decomposed'; config: SoftmaxTap };

export interface AttentionSite {
  layer: number;
  /** The attention node (the Softmax for decomposed attention). */
  node: NodeInfo;
  scope: Scope;
  site: SiteConfig;
}

export interface IfBranches {
  ifNode: NodeInfo;
  then: AttentionSite[];
  else: AttentionSite[];
}

export interface AttentionPlan {
  kind: AttentionKind;
  /** Decoder layer indices that give rows, ascending. */
  layers: number[];
  /** The graph already outputs `decoder_attentions.*`: the patcher leaves it as is. */
  alreadyPatched: boolean;
  /** Top-level sites (empty for if-merged graphs). */
  sites: AttentionSite[];
  /** The If node and its branches' sites, for if-merged graphs. */
  branches: IfBranches | null;
}

const SUPPORTED = new Set(['com.microsoft::GroupQueryAttention', 'com.microsoft::MultiHeadAttention']);
const LAYER_IN_NAME = /(?:^|\/)layers\.(\d+)\//;

const layerFromName = (name: string): number | null => {
  const m = LAYER_IN_NAME.exec(name);
  return m ? Number(m[1]) : null;
};

interface Candidate {
  node: NodeInfo;
  kind: 'gqa' | 'mha' | 'decomposed';
}

function candidates(scope: Scope): Candidate[] {
  const out: Candidate[] = [];
  for (const n of scope.graph.nodes) {
    const full = opName(n.op, n.domain);
    if (full === 'com.microsoft::GroupQueryAttention') out.push({ node: n, kind: 'gqa' });
    else if (full === 'com.microsoft::MultiHeadAttention') out.push({ node: n, kind: 'mha' });
    else if (/attention/i.test(n.op) && !SUPPORTED.has(full))
      refuse(full, n.name, layerFromName(n.name), 'this attention op is not supported');
    else if (isAttentionSoftmax(n, scope)) out.push({ node: n, kind: 'decomposed' });
  }
  return out;
}

/** The sites of one graph (not looking into its subgraphs). */
function sitesOf(scope: Scope): AttentionSite[] {
  const found = candidates(scope);
  if (!found.length) return [];
  const kinds = new Set(found.map((c) => c.kind));
  if (kinds.size > 1) {
    const odd = found.find((c) => c.kind !== found[0].kind)!;
    refuse(
      opName(odd.node.op, odd.node.domain),
      odd.node.name,
      layerFromName(odd.node.name),
      `mixed with ${found[0].kind} attention in one graph`,
    );
  }
  const named = found.map((c) => layerFromName(c.node.name));
  const byName = named.every((l) => l !== null);
  const sites = found.map((c, i): AttentionSite => {
    const layer = byName ? named[i]! : i;
    const n = c.node;
    const site: SiteConfig =
      c.kind === 'gqa'
        ? { kind: 'gqa', config: gqaConfig(n, scope, layer) }
        : c.kind === 'mha'
          ? { kind: 'mha', config: mhaConfig(n, scope, layer) }
          : { kind: 'decomposed', config: softmaxTap(n, scope, layer) };
    return { layer, node: n, scope, site };
  });
  const seen = new Map<number, NodeInfo>();
  for (const s of sites) {
    const other = seen.get(s.layer);
    if (other)
      refuse(
        opName(s.node.op, s.node.domain),
        s.node.name,
        s.layer,
        `a second attention node in this layer (first: "${other.name}")`,
      );
    seen.set(s.layer, s.node);
  }
  return sites.sort((a, b) => a.layer - b.layer);
}

/** Attention inside Loop/Scan bodies or nested Ifs cannot be tapped; say so rather than miss it. */
function refuseInside(n: NodeInfo, parent: Scope, where: string): void {
  for (const a of n.attributes)
    for (const sub of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) {
      const inner = new Scope(sub, parent);
      const found = candidates(inner)[0];
      if (found) {
        const f = found.node;
        refuse(
          opName(f.op, f.domain),
          f.name,
          layerFromName(f.name),
          `attention inside ${where}${n.op} "${n.name}" is not supported`,
        );
      }
      for (const m of sub.nodes) refuseInside(m, inner, where);
    }
}

function branchOf(n: NodeInfo, key: string): GraphBody | null {
  return n.attributes.find((a) => a.name === key)?.g ?? null;
}

/** Layer indices of the `decoder_attentions.L` outputs a graph already has. */
export function existingAttentionLayers(graph: GraphBody): number[] {
  return graph.outputs
    .map((o) => o.name)
    .filter(
      (o) => o.startsWith(ATTENTION_OUTPUT_PREFIX) && /^\d+$/.test(o.slice(ATTENTION_OUTPUT_PREFIX.length)),
    )
    .map((o) => Number(o.slice(ATTENTION_OUTPUT_PREFIX.length)))
    .sort((a, b) => a - b);
}

export function findAttention(graph: GraphInfo): AttentionPlan {
  const existing = existingAttentionLayers(graph);
  if (existing.length) {
    let kind: AttentionKind = 'existing';
    try {
      kind = analyse(graph).kind;
    } catch (e) {
      if (!(e instanceof UnpatchableError)) throw e;
    }
    return { kind, layers: existing, alreadyPatched: true, sites: [], branches: null };
  }
  return analyse(graph);
}

function analyse(graph: GraphInfo): AttentionPlan {
  const top = new Scope(graph);
  const sites = sitesOf(top);
  let branches: IfBranches | null = null;
  for (const n of graph.nodes) {
    if (n.op !== 'If' || (n.domain && n.domain !== 'ai.onnx')) {
      refuseInside(n, top, '');
      continue;
    }
    const thenG = branchOf(n, 'then_branch');
    const elseG = branchOf(n, 'else_branch');
    if (!thenG || !elseG) continue;
    const thenScope = new Scope(thenG, top);
    const elseScope = new Scope(elseG, top);
    const t = sitesOf(thenScope);
    const e = sitesOf(elseScope);
    for (const m of thenG.nodes) refuseInside(m, thenScope, 'a nested ');
    for (const m of elseG.nodes) refuseInside(m, elseScope, 'a nested ');
    if (!t.length && !e.length) continue;
    const tl = t.map((s) => s.layer).join(',');
    const el = e.map((s) => s.layer).join(',');
    if (tl !== el)
      refuse(
        'If',
        n.name,
        null,
        `its branches have attention in different layers (then: ${tl || 'none'}; else: ${el || 'none'})`,
      );
    if (branches) refuse('If', n.name, null, `a second If with attention (first: "${branches.ifNode.name}")`);
    if (sites.length) refuse('If', n.name, null, 'attention both in the main graph and inside an If');
    branches = { ifNode: n, then: t, else: e };
  }
  const kind: AttentionKind | null = branches ? 'if-merged' : (sites[0]?.site.kind ?? null);
  const layers = (branches ? branches.then : sites).map((s) => s.layer);
  if (!kind)
    throw new UnpatchableError(
      'no attention found: no GroupQueryAttention, MultiHeadAttention or attention Softmax node',
    );
  return { kind, layers, alreadyPatched: false, sites, branches };
}
