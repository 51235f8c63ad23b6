import type { TextCodec } from '../engine/text';
import type { ModelManifest } from '../package/manifest';
import { RealDemoAdapter } from './real-demo';
import type { ModelAdapter } from './types';

const FAMILIES: Record<string, (m: ModelManifest, c: TextCodec) => ModelAdapter> = {
  'real-demo': (m, c) => new RealDemoAdapter(m, c),
};

export function adapterFor(manifest: ModelManifest, codec: TextCodec): ModelAdapter {
  // Own keys only: "constructor" or "__proto__" must read as unknown, not as Object's members.
  const make = Object.hasOwn(FAMILIES, manifest.family) ? FAMILIES[manifest.family] : undefined;
  if (!make) {
    throw new Error(
      `model family "${manifest.family}" is not supported (known: ${Object.keys(FAMILIES).join(', ')})`,
    );
  }
  return make(manifest, codec);
}
