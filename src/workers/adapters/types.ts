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

export interface ModelAdapter {
  readonly family: string;
  pixelValues(image: RgbaImage): TensorSpec<Float32Array>;
  prompt(question: string): PreparedPrompt;
  /** Position ids for `count` tokens starting at sequence position `start`. */
  positionIds(start: number, count: number): TensorSpec<BigInt64Array>;
}
