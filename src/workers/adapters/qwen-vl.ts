import { ImageInputError } from '../engine/image';
import { own, tokenString, wholeNumber } from './config-read';
import { HfAdapter, requireTokenId, type FamilyLayout, type FamilyParts } from './hf-adapter';
import type { FamilyRepo } from './hf-types';
import { agreed, imageSettings, iota } from './image-settings';
import { qwenPatches } from './processing/patchify';
import { normalizePlanes, resizeRgb } from './processing/resample';
import { smartResize } from './processing/smart-resize';

/**
 * The Qwen VL line (qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5): the image is
 * smart-resized to multiples of patch × merge within [min, max] pixels and
 * cut into patches; the vision encoder merges merge × merge patches into one
 * feature, so the grid is (h / merge) × (w / merge) of any aspect ratio.
 * The single `<|image_pad|>` expands to one pad per feature; positions are
 * M-RoPE with the rope delta while decoding.
 */
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

export interface QwenLayout extends FamilyLayout {
  /** Patches down and across. */
  gridH: number;
  gridW: number;
}

export function qwenVlAdapter(family: string, repo: FamilyRepo): HfAdapter<QwenLayout> {
  const pp = repo.preprocessor;
  const vc = own(repo.config, 'vision_config');
  const pre = (k: string) => ({ where: `preprocessor_config.json ${k}`, value: own(pp, k) });
  const vis = (k: string) => ({ where: `config.json vision_config.${k}`, value: own(vc, k) });
  const patch = agreed('patch size', pre('patch_size'), vis('patch_size'), 14);
  const merge = agreed('merge size', pre('merge_size'), vis('spatial_merge_size'), 2);
  const temporal = agreed('temporal patch size', pre('temporal_patch_size'), vis('temporal_patch_size'), 2);
  const size = own(pp, 'size');
  const pixels = (key: string, sizeKey: string, fallback: number) => {
    const v = own(pp, key) ?? own(size, sizeKey);
    return v === undefined || v === null ? fallback : wholeNumber(`preprocessor_config.json ${key}`, v);
  };
  // Python Qwen2VLImageProcessor's defaults: 56·56 and 28·28·1280 pixels.
  const minPixels = pixels('min_pixels', 'shortest_edge', 56 * 56);
  const maxPixels = pixels('max_pixels', 'longest_edge', 28 * 28 * 1280);
  const settings = imageSettings(pp, { resample: 3, mean: CLIP_MEAN, std: CLIP_STD });
  const tc = repo.tokenizerConfig;
  const slot = tokenString(own(tc, 'image_token')) ?? '<|image_pad|>';
  const imageTokenId = requireTokenId(repo, slot, own(repo.config, 'image_token_id'), 'image_token_id');
  const visionStart = tokenString(own(tc, 'vision_bos_token')) ?? '<|vision_start|>';
  const visionStartId = requireTokenId(
    repo,
    visionStart,
    own(repo.config, 'vision_start_token_id'),
    'vision_start_token_id',
  );
  const names = repo.visionInputNames ?? [];
  const gridName = names.includes('grid_thw')
    ? 'grid_thw'
    : names.includes('image_grid_thw')
      ? 'image_grid_thw'
      : family === 'qwen2_vl'
        ? 'grid_thw'
        : 'image_grid_thw';
  const factor = patch * merge;

  const parts: FamilyParts<QwenLayout> = {
    slot,
    imageTokenId,
    defaultPositions: 'mrope',
    vision: 'whole-image',
    layout(width, height, limit) {
      const tokens = (r: { width: number; height: number }) => (r.width * r.height) / (factor * factor);
      let resized = { width, height };
      let capped = false;
      let uncappedTokens: number | undefined;
      if (settings.doResize) {
        resized = smartResize(height, width, factor, minPixels, maxPixels);
        if (limit.fit && tokens(resized) > limit.cap) {
          // Native sizing, capped: the processor's max_pixels lowered to what the cap allows.
          const fitted = smartResize(
            height,
            width,
            factor,
            minPixels,
            Math.min(maxPixels, limit.cap * factor * factor),
          );
          if (tokens(fitted) < tokens(resized)) {
            uncappedTokens = tokens(resized);
            [resized, capped] = [fitted, true];
          }
        }
      } else if (width % factor || height % factor)
        throw new ImageInputError(
          `do_resize is false and the image is ${width}×${height}; both sides must be multiples of ${factor}`,
        );
      limit.check(resized, tokens(resized));
      const gridH = resized.height / patch;
      const gridW = resized.width / patch;
      const rows = gridH / merge;
      const cols = gridW / merge;
      return {
        image: { width, height },
        resized,
        gridH,
        gridW,
        imageTokens: rows * cols,
        capped,
        uncappedTokens,
        views: [{ name: 'image', rows, cols, cells: iota(rows * cols), box: [0, 0, width, height] }],
      };
    },
    expand: (text, l) => text.split(slot).join(slot.repeat(l.imageTokens)),
    feeds(image, l) {
      // PIL's resize, antialiased when shrinking, as Python's processor (transformers.js's sharp path is not).
      const planes = resizeRgb(image, l.resized.width, l.resized.height, settings.filter, true);
      const values = qwenPatches(normalizePlanes(planes, settings), {
        gridH: l.gridH,
        gridW: l.gridW,
        patch,
        merge,
        temporal,
      });
      return {
        pixel_values: {
          type: 'float32',
          data: values,
          dims: [l.gridH * l.gridW, 3 * temporal * patch * patch],
        },
        [gridName]: {
          type: 'int64',
          data: BigInt64Array.of(1n, BigInt(l.gridH), BigInt(l.gridW)),
          dims: [1, 3],
        },
      };
    },
    mrope: { visionStartId, merge, grids: (l) => [[1, l.gridH, l.gridW]] },
  };
  return new HfAdapter(family, repo, parts);
}
