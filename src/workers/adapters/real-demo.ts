import { toPixelValues, type RgbaImage } from '../engine/image';
import type { TextCodec } from '../engine/text';
import type { ModelManifest } from '../package/manifest';
import type { ModelAdapter, PreparedPrompt } from './types';

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

  visionInputs(image: RgbaImage) {
    const { width, height } = this.manifest.image;
    return {
      pixel_values: {
        type: 'float32' as const,
        data: toPixelValues(image, this.manifest.image),
        dims: [1, 3, height, width],
      },
    };
  }

  prompt(question: string): PreparedPrompt {
    const imageId = this.codec.id(this.manifest.prompt.imageToken);
    const cells = this.manifest.grid.rows * this.manifest.grid.cols;
    if (this.manifest.prompt.imageTokensPerImage !== cells) {
      throw new Error(
        `manifest prompt.imageTokensPerImage (${this.manifest.prompt.imageTokensPerImage}) differs from grid rows·cols (${cells})`,
      );
    }
    const raw = this.codec.promptIds(question);
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
    return { ids, imagePositions };
  }

  positionIds(start: number, count: number) {
    const data = new BigInt64Array(count);
    for (let i = 0; i < count; i++) data[i] = BigInt(start + i);
    return { data, dims: [1, count] };
  }
}
