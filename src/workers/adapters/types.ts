import type { RgbaImage } from '../engine/image';
import type { SizingRequest, SizingUsed } from './image-sizing';

/**
 * What differs between model families: how an image becomes the vision
 * encoder's inputs, how the prompt's image slot expands and which sequence
 * positions hold which grid cells (the default view, and other views such
 * as a tiled model's global image), and the decoder's position ids (none,
 * 1-D, or M-RoPE's three rows with the rope delta while decoding). The
 * generation loop is shared.
 */

export interface TensorSpec<T> {
  data: T;
  dims: number[];
}

/** A named input of the vision encoder (Qwen2-VL also takes image_grid_thw; Idefics3 a bool pixel_attention_mask). */
export type VisionInput =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'bool'; data: Uint8Array; dims: number[] };

/** A grid a user can look at: its cells' sequence positions (row-major) and the image region it covers. */
export interface ViewSpec {
  name: string;
  rows: number;
  cols: number;
  positions: number[];
  /** [x0, y0, x1, y1] in the original image's pixels. */
  box: [number, number, number, number];
}

/** Everything a run needs from the adapter for one image and question. */
export interface PreparedRun {
  visionFeeds: Record<string, VisionInput>;
  /** Token ids with the image slot expanded. */
  ids: number[];
  /** Sequence positions that take the vision encoder's features, in feature order. */
  featurePositions: number[];
  /** The default view: the grid ReAL scores, and its cells' positions, row-major. */
  grid: { rows: number; cols: number };
  imagePositions: number[];
  /** Other views (a tiled model's global image and tiles); absent for one-grid models. */
  views?: ViewSpec[];
  /** The system prompt and tier used (real-method.md, last section), when the family has tiers. */
  prompting?: { system: string | null; tier: 1 | 2 | 3 | null };
  /** How a real model's image was sized (absent for the demo model, which has one fixed size). */
  sizing?: SizingUsed;
  /** Position ids for `count` tokens from sequence position `start`; null when the decoder takes none. */
  positionIds(start: number, count: number): TensorSpec<BigInt64Array> | null;
}

export interface RunOptions {
  question: string;
  tier?: 1 | 2 | 3 | null;
  /** Image sizing for a real model (native when absent); the demo model keeps its own size. */
  sizing?: SizingRequest;
}

export interface ModelAdapter {
  readonly family: string;
  prepare(image: RgbaImage, options: RunOptions): PreparedRun;
}
