/**
 * How a family's images become vision-encoder work, for the memory plan:
 * how many patches the encoder attends over per image token, whether it
 * attends over the whole image (the Qwen VL line) or frame by frame
 * (SmolVLM's tiles, Gemma 3's 896-px image), and how many image tokens the
 * paper's 420 × 420 sizing gives (real-method.md, "Image size"). Read from
 * config.json and the processor files; a value that is absent or out of
 * range falls back to the family's usual one (the adapters refuse bad
 * configs with their own line when the model loads; a plan only estimates).
 */
import type { RepoConfig } from './config';

/** The paper's image side (section 5.1). */
export const PAPER_SIZE = 420;

export interface VisionGeometry {
  /** Image tokens per frame the encoder attends over separately; null: the whole image is one frame. */
  tokensPerFrame: number | null;
  /** Encoder patches per image token (the merge: 2 × 2 in the Qwen line, 4 × 4 in SmolVLM and Gemma 3). */
  patchesPerToken: number;
  /** Image tokens of the paper's 420 × 420 image. */
  paperTokens: number;
  /** The encoder's heads and width from config.json, used where the graph does not say. */
  heads: number | null;
  hidden: number | null;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

/** A whole number in [min, max] from the first of `vs` that is one, else null. */
function whole(min: number, max: number, ...vs: unknown[]): number | null {
  for (const v of vs) if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v;
  return null;
}

const own = (o: Obj | null, k: string): unknown => (o && Object.hasOwn(o, k) ? o[k] : undefined);

export function visionGeometry(config: RepoConfig): VisionGeometry {
  const c = config.config;
  const v = config.visionConfig;
  const pre = config.preprocessor;
  const proc = config.processor;
  const heads = whole(1, 1024, own(v, 'num_attention_heads'), own(v, 'num_heads'));
  const hidden = whole(1, 65536, own(v, 'embed_dim'), own(v, 'hidden_size'));
  const family = config.family;
  if (family === 'gemma3') {
    const tokens = whole(1, 65536, own(proc, 'image_seq_length'), own(c, 'mm_tokens_per_image')) ?? 256;
    const side = whole(1, 8192, own(v, 'image_size')) ?? 896;
    const patch = whole(1, 1024, own(v, 'patch_size')) ?? 14;
    const patches = Math.max(tokens, Math.floor(side / patch) ** 2);
    return {
      tokensPerFrame: tokens,
      patchesPerToken: Math.max(1, Math.round(patches / tokens)),
      paperTokens: tokens,
      heads,
      hidden,
    };
  }
  if (family === 'idefics3' || family === 'smolvlm') {
    const scale = whole(1, 16, own(c, 'scale_factor')) ?? (family === 'smolvlm' ? 4 : 2);
    const tileSide =
      whole(1, 8192, own(obj(own(pre, 'max_image_size')), 'longest_edge'), own(v, 'image_size')) ?? 512;
    const patch = whole(1, 1024, own(v, 'patch_size')) ?? 16;
    const perTile =
      whole(1, 65536, own(proc, 'image_seq_len')) ??
      Math.max(1, Math.floor((Math.floor(tileSide / patch) / scale) ** 2));
    // The processor resizes the longest edge to size.longest_edge, then cuts tiles of max_image_size, plus the global image.
    const longest = whole(1, 65536, own(obj(own(pre, 'size')), 'longest_edge')) ?? 4 * tileSide;
    const splitting = own(pre, 'do_image_splitting') !== false;
    const n = Math.min(64, Math.ceil(longest / tileSide));
    const frames = splitting && n > 1 ? n * n + 1 : 1;
    return {
      tokensPerFrame: perTile,
      patchesPerToken: scale * scale,
      paperTokens: frames * perTile,
      heads,
      hidden,
    };
  }
  // The Qwen VL line: smart resize to multiples of patch × merge, one frame of (h/patch)(w/patch) patches.
  const patch = whole(1, 1024, own(pre, 'patch_size'), own(v, 'patch_size')) ?? 14;
  const merge = whole(1, 16, own(pre, 'merge_size'), own(v, 'spatial_merge_size')) ?? 2;
  const side = Math.max(1, Math.round(PAPER_SIZE / (patch * merge)));
  return { tokensPerFrame: null, patchesPerToken: merge * merge, paperTokens: side * side, heads, hidden };
}

/** The decoder's heads from config.json (text_config first), used where the graph does not say. */
export function configHeads(config: RepoConfig): number | null {
  return whole(1, 4096, own(config.textConfig, 'num_attention_heads'));
}
