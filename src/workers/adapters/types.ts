import type { RgbaImage } from '../engine/image';

/**
 * What differs between model families (the demo model now; Qwen2-VL and
 * SmolVLM later): how an image becomes pixel_values, how the prompt's image
 * placeholder expands and which sequence positions hold which grid cells,
 * and the decoder's position ids. The generation loop is shared.
 */
export interface PreparedPrompt {
  /** Token ids with the image placeholder expanded. */
  ids: number[];
  /** imagePositions[i] = sequence position of grid cell i (row-major). */
  imagePositions: number[];
}

export interface TensorSpec<T> {
  data: T;
  dims: number[];
}

/** A named input of the vision encoder (Qwen2-VL, for one, also takes image_grid_thw). */
export type VisionInput =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] };

export interface ModelAdapter {
  readonly family: string;
  /** The vision encoder's inputs for one image, by input name. */
  visionInputs(image: RgbaImage): Record<string, VisionInput>;
  /** The prompt's ids for a question about `image` (a model with dynamic resolution needs its size). */
  prompt(question: string, image: RgbaImage): PreparedPrompt;
  /** Position ids for `count` tokens starting at sequence position `start`. */
  positionIds(start: number, count: number): TensorSpec<BigInt64Array>;
}
