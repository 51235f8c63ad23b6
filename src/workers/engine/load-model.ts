import { adapterFor } from '../adapters';
import { loadPackage, type LoadProgress, type PackageReader } from '../package/load';
import type { ModelManifest } from '../package/manifest';
import type { Backend, Ort } from '../runtime/ort-types';
import { createSessions, releaseSessions, type Sessions } from '../runtime/sessions';
import { GenerationEngine } from './generate';
import { TextCodec } from './text';

export interface LoadedModel {
  manifest: ModelManifest;
  engine: GenerationEngine;
  backend: Backend;
  fallbackReason?: string;
  release(): Promise<void>;
}

/** Package → verified files → sessions on the preferred backend → an engine. */
export async function loadModel(
  ort: Ort,
  reader: PackageReader,
  prefer: Backend,
  webgpuAvailable: () => Promise<string | null>,
  onProgress?: (p: LoadProgress) => void,
): Promise<LoadedModel> {
  const pkg = await loadPackage(reader, onProgress);
  const codec = new TextCodec(pkg.files.tokenizer, pkg.manifest, pkg.files.tokenizerConfig);
  const adapter = adapterFor(pkg.manifest, codec);
  // Fail on a tokenizer that lacks the manifest's tokens before any session exists.
  for (const t of [
    pkg.manifest.prompt.imageToken,
    pkg.manifest.generation.yesToken,
    ...pkg.manifest.generation.stopTokens,
  ])
    codec.id(t);
  const sessions: Sessions = await createSessions(ort, pkg.files, pkg.manifest, prefer, webgpuAvailable);
  return {
    manifest: pkg.manifest,
    engine: new GenerationEngine(ort, sessions, pkg.manifest, codec, adapter),
    backend: sessions.backend,
    fallbackReason: sessions.fallbackReason,
    release: () => releaseSessions(sessions),
  };
}
