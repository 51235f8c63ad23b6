import { findAttention, readGraph, UnpatchableError } from '../workers/onnx';
import { HubError, messageOf } from '../workers/hub/hub-error';
import { parseDtypeRequest, type Component } from '../workers/hub/dtypes';
import { planRepo } from '../workers/hub/plan';
import { finiteJson } from './finite-json';
import { NodeFolderSource } from './node-repo-source';

/**
 * `real inspect-model DIR [--dtype D]`: whether a Hugging Face ONNX repo in
 * a folder will load, before its weights are downloaded. It reads the
 * small files and the graphs only (weights may be absent), plans the load
 * as the CLI would run it (wasm, transformers.js's dtypes or --dtype), and
 * finds the decoder's attention layers as the patcher would. The JSON lists
 * absent files in `missing` (a folder of graphs without weights is fine);
 * anything that makes the repo unusable (no config.json, an unknown
 * model_type, a missing graph, a truncated data file or piece, an
 * unpatchable decoder) is a thrown one-line error, which exits 2.
 */
export async function inspectModelCommand(dir: string, dtype: string | undefined): Promise<string> {
  const source = new NodeFolderSource(dir);
  const plan = await planRepo(source, {
    device: { backend: 'wasm' },
    dtype: dtype === undefined ? undefined : parseDtypeRequest(dtype),
    requireComplete: false,
  });
  const decoder = plan.components.decoder.graph.path;
  const bytes = plan.graphBytes.get(decoder) ?? (await source.read(decoder));
  let attention;
  try {
    attention = findAttention(readGraph(bytes));
  } catch (e) {
    if (e instanceof UnpatchableError)
      throw new HubError(decoder, `cannot give attention rows: ${e.message}`, { cause: e });
    throw new HubError(decoder, `is not a readable ONNX graph (${messageOf(e)})`, { cause: e });
  }
  const layers = plan.config.textConfig.num_hidden_layers;
  const components = (c: Component) => {
    const cp = plan.components[c];
    return {
      dtype: cp.dtype,
      dtypeFrom: cp.dtypeFrom,
      graph: cp.graph.path,
      externalData: cp.data.map((d) => ({
        location: d.location,
        path: d.path,
        bytes: d.bytes,
        needed: d.needed,
        ...(d.pieces && { pieces: d.pieces.length }),
      })),
    };
  };
  // Data files in pieces are listed once, with their pieces' count and sum.
  const files: { path: string; bytes: number | null; pieces?: number }[] = [];
  for (const f of plan.files) if (f.role !== 'piece') files.push({ path: f.path, bytes: f.bytes });
  for (const c of ['vision', 'embed', 'decoder'] as const)
    for (const d of plan.components[c].data)
      if (d.pieces)
        files.splice(files.findIndex((f) => f.path === plan.components[c].graph.path) + 1, 0, {
          path: d.path,
          bytes: d.bytes,
          pieces: d.pieces.length,
        });
  return finiteJson(
    {
      model: source.where,
      family: plan.family,
      dtypes: plan.dtypes,
      components: {
        vision: components('vision'),
        embed: components('embed'),
        decoder: components('decoder'),
      },
      files,
      totalBytes: plan.totalBytes,
      missing: plan.missing,
      complete: plan.missing.length === 0,
      attention: {
        layers: attention.layers,
        kind: attention.kind,
        patchable: true,
        alreadyPatched: attention.alreadyPatched,
        numDecoderLayers: typeof layers === 'number' && Number.isSafeInteger(layers) ? layers : null,
      },
    },
    { space: 2 },
  );
}
