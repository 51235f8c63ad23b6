import { DEFAULT_QUESTION } from '../../real/prompting';
import { checkImage, checkImageSize, ImageInputError, type RgbaImage } from '../engine/image';
import { ChatTemplate } from './chat-template';
import { firstOwn, own, RepoConfigError, tokenString, wholeNumber } from './config-read';
import { renderPrompt, specialTokenVars } from './hf-prompt';
import type { FamilyRepo, HfPlan, HfPrepared, Size } from './hf-types';
import { mropePositions, mropeSlice, type MropePositions } from './processing/mrope';
import {
  checkImageBudget,
  DEFAULT_MAX_IMAGE_TOKENS,
  squareImage,
  squareSide,
  type SizingRequest,
  type VisionAttention,
} from './image-sizing';
import type { ModelAdapter, RunOptions, ViewSpec, VisionInput } from './types';

/**
 * The part of a Hugging Face VLM that is the same for every family: the
 * chat template, tokenising, finding the image tokens, mapping each view's
 * cells to sequence positions, position ids, stop tokens, limits. A family
 * (qwen-vl.ts, idefics3.ts, gemma3.ts) supplies the image layout, the
 * slot's expansion and the vision encoder's feeds.
 */

/** A view in feature space: `cells[i]` is the index (in vision-feature order) of the view's cell i, row-major. */
export interface LayoutView {
  name: string;
  rows: number;
  cols: number;
  cells: number[];
  box: [number, number, number, number];
}

export interface FamilyLayout {
  image: Size;
  resized: Size;
  /** Image tokens in the prompt = vision features. */
  imageTokens: number;
  /** The default view first. */
  views: LayoutView[];
  /** True when the processor's own sizing was reduced to fit the token cap (native sizing). */
  capped?: boolean;
  /** When capped: the image tokens of the processor's own sizing. */
  uncappedTokens?: number;
}

/**
 * What a family's layout is held to: `check` (image-sizing.ts's one bound)
 * must be called with the resized size and the token count before any array
 * is built; with `fit`, the family first lowers its processor's own limit
 * until the tokens are within `cap`.
 */
export interface TokenLimit {
  cap: number;
  fit: boolean;
  check(resized: Size, imageTokens: number): void;
}

export interface FamilyParts<L extends FamilyLayout> {
  /** The text the chat template renders once for the image. */
  slot: string;
  imageTokenId: number;
  /** Position ids when the decoder graph was not read. */
  defaultPositions: 'mrope' | 'plain' | 'none';
  /** How the vision encoder attends (the default token cap, image-sizing.ts). */
  vision: VisionAttention;
  layout(width: number, height: number, limit: TokenLimit): L;
  /** The rendered prompt with the slot replaced by the image's tokens. */
  expand(text: string, layout: L): string;
  feeds(image: RgbaImage, layout: L): Record<string, VisionInput>;
  mrope?: { visionStartId: number; merge: number; grids(layout: L): [number, number, number][] };
}

export class FamilyError extends Error {
  override name = 'FamilyError';
}

/** The id of a token the family needs; the tokenizer must have it, and agree with config.json when that names an id. */
export function requireTokenId(
  repo: FamilyRepo,
  token: string,
  configId?: unknown,
  configKey?: string,
): number {
  const id = repo.tokenizer.token_to_id(token);
  if (configId !== undefined && configId !== null) {
    const c = wholeNumber(`config.json ${configKey}`, configId, 0);
    if (id !== undefined && id !== c)
      throw new RepoConfigError(
        `config.json ${configKey} is ${c} but the tokenizer has ${token} as ${id}; the tokenizer does not belong to this model`,
      );
    return c;
  }
  if (id === undefined)
    throw new RepoConfigError(`the tokenizer has no ${token} token, which this model family needs`);
  return id;
}

function idList(v: unknown, where: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  return list.map((x, i) => wholeNumber(`${where}${Array.isArray(v) ? `[${i}]` : ''}`, x, 0));
}

/** Stop ids: generation_config.json's eos_token_id, else config.json's, else the tokenizer's eos token. */
export function stopIdsOf(repo: FamilyRepo): number[] {
  const fromGen = idList(own(repo.generation, 'eos_token_id'), 'generation_config.json eos_token_id');
  if (fromGen) return fromGen;
  const fromConfig =
    idList(own(repo.config, 'eos_token_id'), 'config.json eos_token_id') ??
    idList(own(own(repo.config, 'text_config'), 'eos_token_id'), 'config.json text_config.eos_token_id');
  if (fromConfig) return fromConfig;
  const eos = tokenString(own(repo.tokenizerConfig, 'eos_token'));
  const id = eos === undefined ? undefined : repo.tokenizer.token_to_id(eos);
  if (id === undefined)
    throw new RepoConfigError(
      'no stop token: generation_config.json, config.json and tokenizer_config.json name no eos token',
    );
  return [id];
}

/** text_config.max_position_embeddings (or config.json's own), when given. */
export function maxPositionsOf(repo: FamilyRepo): number | undefined {
  const v = firstOwn([own(repo.config, 'text_config'), repo.config], 'max_position_embeddings');
  return v === undefined ? undefined : wholeNumber('config.json max_position_embeddings', v);
}

export class HfAdapter<L extends FamilyLayout> implements ModelAdapter {
  readonly stopIds: number[];
  readonly maxPositions: number | undefined;
  readonly positionKind: 'mrope' | 'plain' | 'none';
  private template: ChatTemplate;
  private vars: Record<string, string>;

  constructor(
    readonly family: string,
    private repo: FamilyRepo,
    private parts: FamilyParts<L>,
  ) {
    this.template = new ChatTemplate(repo.chatTemplate);
    this.vars = specialTokenVars(repo.tokenizerConfig);
    this.stopIds = stopIdsOf(repo);
    this.maxPositions = maxPositionsOf(repo);
    this.positionKind = this.resolvePositions();
  }

  private resolvePositions(): 'mrope' | 'plain' | 'none' {
    const d = this.repo.decoderPositionIds;
    if (d === undefined) return this.parts.defaultPositions;
    if (d === null) return 'none';
    if (d.rank === 3 && !this.parts.mrope)
      throw new FamilyError(
        `the ${this.family} decoder takes 3-row (M-RoPE) position_ids; this family has 1-D positions`,
      );
    if (d.rank === 2 && this.parts.mrope)
      throw new FamilyError(
        `the ${this.family} decoder takes position_ids of rank 2; the Qwen VL line needs M-RoPE position_ids [3, batch, sequence]`,
      );
    return d.rank === 3 ? 'mrope' : 'plain';
  }

  /**
   * The token cap when the run names none: the repo's explicit one, else the
   * memory plan's (repo.planImageTokens) but never above the family's
   * conservative default (image-sizing.ts), which a user may raise per run.
   */
  get defaultMaxImageTokens(): number {
    if (this.repo.maxImageTokens !== undefined) return this.repo.maxImageTokens;
    return Math.min(DEFAULT_MAX_IMAGE_TOKENS[this.parts.vision], this.repo.planImageTokens ?? Infinity);
  }

  /**
   * The image's layout under a sizing (native when none is given; the CLI
   * and the app default to the paper's), in the original image's pixels;
   * refuses sizes the model cannot take, with one line that says why.
   */
  layout(width: number, height: number, sizing: SizingRequest = { mode: 'native' }): L {
    checkImageSize(width, height);
    const side = squareSide(sizing);
    const w = side ?? width;
    const h = side ?? height;
    const cap = sizing.maxImageTokens ?? this.defaultMaxImageTokens;
    const l = this.parts.layout(w, h, {
      cap,
      fit: sizing.mode === 'native',
      check: (resized, tokens) =>
        checkImageBudget(this.family, { width, height }, resized, tokens, cap, sizing.mode),
    });
    if (this.maxPositions !== undefined && l.imageTokens >= this.maxPositions)
      throw new ImageInputError(
        `the image is ${width}×${height} pixels and would take ${l.imageTokens} image tokens; the ${this.family} model has only ${this.maxPositions} positions — scale it down first`,
      );
    if (side === null) return l;
    // Boxes were worked out on the square image: stretched back over the original.
    const sx = width / side;
    const sy = height / side;
    return {
      ...l,
      image: { width, height },
      views: l.views.map((v) => ({
        ...v,
        box: [v.box[0] * sx, v.box[1] * sy, v.box[2] * sx, v.box[3] * sy] as LayoutView['box'],
      })),
    };
  }

  private planFor(l: L, options: Partial<RunOptions>): HfPlan {
    const sizing = options.sizing ?? { mode: 'native' };
    const question = options.question ?? DEFAULT_QUESTION;
    if (question.trim() === '') throw new FamilyError('the question is empty');
    const rendered = renderPrompt(this.template, this.vars, question, options.tier, this.parts.slot);
    const text = this.parts.expand(rendered.text, l);
    const ids = this.repo.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const featurePositions: number[] = [];
    ids.forEach((id, p) => {
      if (id === this.parts.imageTokenId) featurePositions.push(p);
    });
    if (featurePositions.length !== l.imageTokens)
      throw new FamilyError(
        `the prompt has ${featurePositions.length} image tokens after expansion, the image needs ${l.imageTokens}; the question or the chat template holds an image token`,
      );
    const views: ViewSpec[] = l.views.map((v) => ({
      name: v.name,
      rows: v.rows,
      cols: v.cols,
      positions: v.cells.map((k) => featurePositions[k]),
      box: v.box,
    }));
    const [main] = views;
    let mrope: MropePositions | null = null;
    if (this.positionKind === 'mrope') {
      const m = this.parts.mrope!;
      mrope = mropePositions(ids, m.grids(l), m.merge, {
        imageTokenId: this.parts.imageTokenId,
        visionStartId: m.visionStartId,
      });
    }
    const kind = this.positionKind;
    return {
      family: this.family,
      image: l.image,
      resized: l.resized,
      ids,
      text,
      featurePositions,
      grid: { rows: main.rows, cols: main.cols },
      imagePositions: main.positions,
      views,
      prompting: { system: rendered.system, tier: rendered.tier },
      thinking: rendered.thinking,
      sizing: {
        mode: sizing.mode,
        size: [l.resized.width, l.resized.height],
        capped: l.capped ?? false,
        cap: sizing.maxImageTokens ?? this.defaultMaxImageTokens,
        imageTokens: l.imageTokens,
        ...(l.capped ? { uncappedTokens: l.uncappedTokens } : {}),
      },
      positionKind: kind,
      ropeDelta: mrope ? mrope.delta : 0,
      positionIds(start: number, count: number) {
        if (kind === 'none') return null;
        if (mrope) return { data: mropeSlice(mrope, start, count), dims: [3, 1, count] };
        const data = new BigInt64Array(count);
        for (let i = 0; i < count; i++) data[i] = BigInt(start + i);
        return { data, dims: [1, count] };
      },
    };
  }

  /** Everything but the pixels: what `real prepare` prints. */
  plan(size: Size, options: Partial<RunOptions>): HfPlan {
    return this.planFor(this.layout(size.width, size.height, options.sizing), options);
  }

  prepare(image: RgbaImage, options: RunOptions): HfPrepared {
    checkImage(image);
    const l = this.layout(image.width, image.height, options.sizing);
    const plan = this.planFor(l, options);
    // Paper and square sizing: the processor gets the image resized to the square (its layout is the square's).
    const side = options.sizing ? squareSide(options.sizing) : null;
    return { ...plan, visionFeeds: this.parts.feeds(side === null ? image : squareImage(image, side), l) };
  }
}
