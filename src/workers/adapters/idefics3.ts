import { ImageInputError } from '../engine/image';
import { bool, firstOwn, own, RepoConfigError, wholeNumber } from './config-read';
import {
  HfAdapter,
  requireTokenId,
  type FamilyLayout,
  type FamilyParts,
  type LayoutView,
} from './hf-adapter';
import type { FamilyRepo } from './hf-types';
import { agreed, imageSettings, iota } from './image-settings';
import { interpolatePlanes, normalizePlanes, resizeRgb } from './processing/resample';
import {
  frameCount,
  idefics3ImageText,
  resizeForVisionEncoder,
  resizeLongestEdge,
  tileLayout,
  type TileLayout,
} from './processing/tiling';

/**
 * Idefics3 and SmolVLM: the image is split into tile × tile tiles plus the
 * global image (processing/tiling.ts); every frame becomes image_seq_len
 * `<image>` tokens, an s × s grid (s² = image_seq_len: (512/16)² / 4² = 64
 * for SmolVLM-256M). The default view stitches the tiles at their places
 * into one (rows·s) × (cols·s) grid over the whole image; the global image
 * and each tile are views of their own. Position ids are 1-D.
 */
const HALF = [0.5, 0.5, 0.5];

export interface Idefics3Layout extends FamilyLayout {
  tiles: TileLayout;
  frames: number;
}

export function idefics3Adapter(family: string, repo: FamilyRepo): HfAdapter<Idefics3Layout> {
  const pp = repo.preprocessor;
  const vc = own(repo.config, 'vision_config');
  const settings = imageSettings(pp, { resample: 1, mean: HALF, std: HALF });
  // Python Idefics3ImageProcessor's defaults: longest edge 4·364, tiles of 364.
  const longest = own(own(pp, 'size'), 'longest_edge');
  const longestEdge =
    longest === undefined || longest === null
      ? 4 * 364
      : wholeNumber('preprocessor_config.json size.longest_edge', longest);
  const tile = agreed(
    'tile size',
    {
      where: 'preprocessor_config.json max_image_size.longest_edge',
      value: own(own(pp, 'max_image_size'), 'longest_edge'),
    },
    { where: 'config.json vision_config.image_size', value: own(vc, 'image_size') },
    364,
  );
  const splitting = bool('preprocessor_config.json do_image_splitting', own(pp, 'do_image_splitting'), true);
  const seqLen = imageSeqLen(repo, tile);
  const side = Math.round(Math.sqrt(seqLen));
  if (side * side !== seqLen)
    throw new RepoConfigError(
      `image_seq_len ${seqLen} is not a square number; a tile's tokens must form a grid`,
    );
  const imageTokenId = requireTokenId(repo, '<image>', own(repo.config, 'image_token_id'), 'image_token_id');
  for (const t of ['<fake_token_around_image>', '<global-img>']) requireTokenId(repo, t);

  const parts: FamilyParts<Idefics3Layout> = {
    slot: '<image>',
    imageTokenId,
    defaultPositions: 'plain',
    vision: 'per-tile',
    layout(width, height, limit) {
      const at = (longest: number) => {
        const resized = settings.doResize ? resizeLongestEdge(width, height, longest) : { width, height };
        if (resized.width < 1 || resized.height < 1)
          throw new ImageInputError(
            `the image is ${width}×${height} pixels; resized to a longest edge of ${longest} one side has no pixels left — crop it first`,
          );
        const ve = splitting
          ? resizeForVisionEncoder(resized.width, resized.height, tile)
          : { width: tile, height: tile };
        const tiles = splitting ? tileLayout(ve.width, ve.height, tile) : tileLayout(tile, tile, tile);
        const frames = frameCount(tiles);
        return { resized, tiles, frames, tokens: frames * seqLen };
      };
      let s = at(longestEdge);
      let capped = false;
      let uncappedTokens: number | undefined;
      if (limit.fit && s.tokens > limit.cap && settings.doResize && splitting) {
        // Native sizing, capped: the longest edge lowered a tile at a time until the tiles fit.
        const start = Math.min(
          Math.ceil(longestEdge / tile) - 1,
          Math.ceil(Math.sqrt(limit.cap / seqLen)) + 1,
        );
        for (let k = start; k >= 1; k--) {
          const t = at(k * tile);
          if (t.tokens <= limit.cap) {
            uncappedTokens = s.tokens;
            [s, capped] = [t, true];
            break;
          }
        }
      }
      // The tiles are cut from the image stretched to tiles.width × tiles.height: the larger of the two.
      limit.check(
        s.resized.width * s.resized.height > s.tiles.width * s.tiles.height ? s.resized : s.tiles,
        s.tokens,
      );
      return {
        image: { width, height },
        resized: s.resized,
        tiles: s.tiles,
        frames: s.frames,
        imageTokens: s.tokens,
        capped,
        uncappedTokens,
        views: views(s.tiles, side, width, height),
      };
    },
    expand: (text, l) => text.split('<image>').join(idefics3ImageText(l.tiles, seqLen)),
    feeds(image, l) {
      const { resized, tiles } = l;
      const planes = normalizePlanes(
        resizeRgb(image, resized.width, resized.height, settings.filter, true),
        settings,
      );
      // The normalised image is stretched to the tiled size, then cut; the global frame is the whole at tile size.
      const full = interpolatePlanes(planes, 3, resized.width, resized.height, tiles.width, tiles.height);
      const T = tile * tile;
      const values = new Float32Array(l.frames * 3 * T);
      let f = 0;
      for (let r = 0; r < tiles.rows; r++) {
        for (let c = 0; c < tiles.cols; c++, f++) {
          for (let ch = 0; ch < 3; ch++) {
            for (let y = 0; y < tile; y++) {
              const src = ch * tiles.width * tiles.height + (r * tile + y) * tiles.width + c * tile;
              values.set(full.subarray(src, src + tile), (f * 3 + ch) * T + y * tile);
            }
          }
        }
      }
      values.set(interpolatePlanes(full, 3, tiles.width, tiles.height, tile, tile), f * 3 * T);
      return {
        pixel_values: { type: 'float32', data: values, dims: [1, l.frames, 3, tile, tile] },
        pixel_attention_mask: {
          type: 'bool',
          data: new Uint8Array(l.frames * T).fill(1),
          dims: [1, l.frames, tile, tile],
        },
      };
    },
  };
  return new HfAdapter(family, repo, parts);
}

/**
 * Tokens per tile: the processor's `image_seq_len` (processor_config.json, or
 * the preprocessor config), else derived as the model computes it, with
 * integer division: ⌊image_size / patch⌋² / scale_factor² (SmolVLM-Instruct:
 * ⌊384 / 14⌋² / 3² = 27² / 9 = 81). When both are known they must agree.
 */
function imageSeqLen(repo: FamilyRepo, tile: number): number {
  const given = firstOwn([repo.processor, repo.preprocessor], 'image_seq_len');
  const vc = own(repo.config, 'vision_config');
  const patch = own(vc, 'patch_size');
  const scale = own(repo.config, 'scale_factor');
  let derived: number | undefined;
  let how = '';
  if (patch !== undefined && patch !== null && scale !== undefined && scale !== null) {
    const p = wholeNumber('config.json vision_config.patch_size', patch);
    const s = wholeNumber('config.json scale_factor', scale);
    const side = Math.floor(tile / p);
    if (side % s !== 0 && (given === undefined || given === null))
      throw new RepoConfigError(
        `⌊${tile} / ${p}⌋ = ${side} patches a side do not merge by scale_factor ${s} into a whole grid, and processor_config.json has no image_seq_len`,
      );
    derived = Math.floor((side * side) / (s * s));
    how = `⌊${tile} / ${p}⌋² / ${s}²`;
  }
  if (given === undefined || given === null) {
    if (derived === undefined)
      throw new RepoConfigError(
        'neither processor_config.json image_seq_len nor config.json vision_config.patch_size and scale_factor say how many tokens a tile has',
      );
    return derived;
  }
  const n = wholeNumber('processor_config.json image_seq_len', given);
  if (derived !== undefined && derived !== n)
    throw new RepoConfigError(
      `processor_config.json image_seq_len is ${n} but config.json gives ${how} = ${derived}`,
    );
  return n;
}

/**
 * Views in feature order: frame f's token j is feature f·s² + j. The
 * default view stitches tile (r, c)'s s × s tokens at rows r·s…, columns
 * c·s… of one grid; then the global image and each tile alone. Boxes are in
 * the original image's pixels (the tiled image is the original stretched).
 */
function views(t: TileLayout, s: number, width: number, height: number): LayoutView[] {
  const seq = s * s;
  const sx = width / t.width;
  const sy = height / t.height;
  const globalFrame = t.rows * t.cols;
  const whole: [number, number, number, number] = [0, 0, width, height];
  const global: LayoutView = {
    name: 'global',
    rows: s,
    cols: s,
    cells: iota(seq).map((j) => globalFrame * seq + j),
    box: whole,
  };
  if (globalFrame === 0) return [global];
  const stitched: number[] = [];
  for (let R = 0; R < t.rows * s; R++) {
    for (let C = 0; C < t.cols * s; C++) {
      const frame = Math.floor(R / s) * t.cols + Math.floor(C / s);
      stitched.push(frame * seq + (R % s) * s + (C % s));
    }
  }
  const tiles: LayoutView[] = [];
  for (let r = 0; r < t.rows; r++) {
    for (let c = 0; c < t.cols; c++) {
      const frame = r * t.cols + c;
      tiles.push({
        name: `tile-${r + 1}-${c + 1}`,
        rows: s,
        cols: s,
        cells: iota(seq).map((j) => frame * seq + j),
        box: [c * t.tile * sx, r * t.tile * sy, (c + 1) * t.tile * sx, (r + 1) * t.tile * sy],
      });
    }
  }
  return [
    { name: 'tiles', rows: t.rows * s, cols: t.cols * s, cells: stitched, box: whole },
    global,
    ...tiles,
  ];
}
