import { toPixelValues, type RgbaImage } from '../engine/image';
import type { TextCodec } from '../engine/text';
import type { ModelManifest } from '../package/manifest';
import type { ModelAdapter, PreparedRun, RunOptions } from './types';

/**
 * The built-in demo model's family, LLaVA-style: one image placeholder in the
 * chat template expands into rows·cols image tokens, one per grid cell in
 * row-major order, and position ids are 1-D.
 */
export class RealDemoAdapter implements ModelAdapter {
  readonly family = 'real-demo';

  constructor(
    private manifest: ModelManifest,
    private codec: TextCodec,
  ) {}

  prepare(image: RgbaImage, options: RunOptions): PreparedRun {
    const { width, height } = this.manifest.image;
    const imageId = this.codec.id(this.manifest.prompt.imageToken);
    const cells = this.manifest.grid.rows * this.manifest.grid.cols;
    if (this.manifest.prompt.imageTokensPerImage !== cells) {
      throw new Error(
        `manifest prompt.imageTokensPerImage (${this.manifest.prompt.imageTokensPerImage}) differs from grid rows·cols (${cells})`,
      );
    }
    const raw = this.codec.promptIds(options.question);
    const slots = raw.filter((id) => id === imageId).length;
    if (slots !== 1)
      throw new Error(`the chat template rendered ${slots} image tokens; this model takes exactly one image`);
    const ids: number[] = [];
    const imagePositions: number[] = [];
    for (const id of raw) {
      if (id !== imageId) ids.push(id);
      else
        for (let c = 0; c < cells; c++) {
          imagePositions.push(ids.length);
          ids.push(imageId);
        }
    }
    return {
      visionFeeds: {
        pixel_values: {
          type: 'float32',
          data: toPixelValues(image, this.manifest.image),
          dims: [1, 3, height, width],
        },
      },
      ids,
      featurePositions: imagePositions,
      grid: { ...this.manifest.grid },
      imagePositions,
      positionIds(start, count) {
        const data = new BigInt64Array(count);
        for (let i = 0; i < count; i++) data[i] = BigInt(start + i);
        return { data, dims: [1, count] };
      },
    };
  }
}
