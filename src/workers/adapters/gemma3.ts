import { bool, firstOwn, own, RepoConfigError, tokenString, wholeNumber } from './config-read';
import { HfAdapter, requireTokenId, type FamilyLayout, type FamilyParts } from './hf-adapter';
import type { FamilyRepo } from './hf-types';
import { imageSettings, iota } from './image-settings';
import { normalizePlanes, resizeRgb } from './processing/resample';

/**
 * Gemma 3: the image is resized to 896 × 896 (aspect not kept, no
 * pan-and-scan), and its 256 soft tokens form a 16 × 16 grid; the template's
 * `<start_of_image>` becomes `\n\n<start_of_image>` + 256 ×
 * `<image_soft_token>` + `<end_of_image>\n\n`. The ONNX decoder has no
 * position_ids input: positions are implicit.
 */
const HALF = [0.5, 0.5, 0.5];

export function gemma3Adapter(family: string, repo: FamilyRepo): HfAdapter<FamilyLayout> {
  const pp = repo.preprocessor;
  const tc = repo.tokenizerConfig;
  const settings = imageSettings(pp, { resample: 2, mean: HALF, std: HALF });
  if (bool('preprocessor_config.json do_pan_and_scan', own(pp, 'do_pan_and_scan'), false))
    throw new RepoConfigError(
      'preprocessor_config.json do_pan_and_scan is true; pan-and-scan crops are not supported',
    );
  const size = own(pp, 'size');
  const fallback = own(own(repo.config, 'vision_config'), 'image_size') ?? 896;
  const width = wholeNumber('preprocessor_config.json size.width', own(size, 'width') ?? fallback);
  const height = wholeNumber('preprocessor_config.json size.height', own(size, 'height') ?? fallback);
  const n = wholeNumber(
    'image_seq_length',
    firstOwn([repo.processor, pp], 'image_seq_length') ?? own(repo.config, 'mm_tokens_per_image') ?? 256,
  );
  const side = Math.round(Math.sqrt(n));
  if (side * side !== n)
    throw new RepoConfigError(
      `image_seq_length ${n} is not a square number; the soft tokens must form a grid`,
    );
  const boi = tokenString(own(tc, 'boi_token')) ?? '<start_of_image>';
  const eoi = tokenString(own(tc, 'eoi_token')) ?? '<end_of_image>';
  const image = tokenString(own(tc, 'image_token')) ?? '<image_soft_token>';
  const imageTokenId = requireTokenId(
    repo,
    image,
    own(repo.config, 'image_token_index') ?? own(repo.config, 'image_token_id'),
    'image_token_index',
  );
  requireTokenId(repo, boi, own(repo.config, 'boi_token_index'), 'boi_token_index');
  requireTokenId(repo, eoi, own(repo.config, 'eoi_token_index'), 'eoi_token_index');
  // Built once the layout has held n against the cap (a config may claim any n).
  let sequence: string | undefined;

  const parts: FamilyParts<FamilyLayout> = {
    slot: boi,
    imageTokenId,
    defaultPositions: 'none',
    vision: 'fixed',
    layout(w, h, limit) {
      // A fixed size and token count: nothing to reduce, only to check.
      limit.check({ width, height }, n);
      return {
        image: { width: w, height: h },
        resized: { width, height },
        imageTokens: n,
        views: [{ name: 'image', rows: side, cols: side, cells: iota(n), box: [0, 0, w, h] }],
      };
    },
    expand: (text) => text.split(boi).join((sequence ??= `\n\n${boi}${image.repeat(n)}${eoi}\n\n`)),
    feeds(img) {
      // PIL's resize, antialiased when shrinking, as Python's processor (transformers.js's sharp path is not).
      const planes = resizeRgb(img, width, height, settings.filter, true);
      return {
        pixel_values: {
          type: 'float32',
          data: normalizePlanes(planes, settings),
          dims: [1, 3, height, width],
        },
      };
    },
  };
  return new HfAdapter(family, repo, parts);
}
