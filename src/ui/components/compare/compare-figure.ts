import { answerText, parseAnswer } from '../../../real';
import { WHOLE, type Difference, type DiffScale } from '../../compare/diff';
import { drawDifference } from '../../compare/draw-diff';
import type { SideView } from '../../compare/use-side';
import { drawContour } from '../../contours';
import { canvasSize } from '../../draw-map';
import { drawPanel, figurePng, loadImage, maskBits } from '../../run-set/figure';
import type { ColorMap } from '../../store';
import { tokenText } from '../../token-words';

const SIZE = 300;

function keptTokens(v: SideView): string {
  const kept = v.score?.tokens.filter((t) => t.selected).map((t) => tokenText(v.side.trace, t.index)) ?? [];
  return kept.length ? kept.join(' ') : 'none';
}

async function sidePanel(
  v: SideView,
  which: string,
  range: [number, number] | null,
  colorMap: ColorMap,
  opacity: number,
) {
  const [image, mask] = await Promise.all([
    loadImage(v.side.imageUrl),
    v.side.maskUrl ? maskBits(v.side.maskUrl) : null,
  ]);
  const t = v.side.trace;
  const answer = parseAnswer(answerText(t));
  return {
    panel: drawPanel({
      image,
      map: v.map,
      grid: t.grid,
      mask,
      colorMap,
      opacity,
      range: range ?? v.range,
      size: SIZE,
    }),
    lines: [
      `${which}: ${v.side.name}`,
      `${t.modelInfo?.name ?? t.model}, ${t.grid.rows} × ${t.grid.cols}; answer ${answer === 1 ? 'yes' : answer === 0 ? 'no' : 'none'}${t.answerProbability !== undefined ? `, P(yes) ${t.answerProbability.toFixed(3)}` : ''}`,
      v.index !== null
        ? `map of “${tokenText(t, v.index)}” (token ${v.index})`
        : v.missing
          ? 'no such token: ReAL map'
          : 'ReAL map',
      `kept: ${keptTokens(v)}`,
    ],
  };
}

/** The side-by-side as a PNG: A and B with their maps, masks, answers and kept tokens, and B − A. */
export async function compareFigure(o: {
  a: SideView;
  b: SideView;
  diff: Difference;
  shared: [number, number] | null;
  colorMap: ColorMap;
  opacity: number;
  what: string;
  diffScale: DiffScale;
}): Promise<Blob> {
  const cells = [
    await sidePanel(o.a, 'A', o.shared, o.colorMap, o.opacity),
    await sidePanel(o.b, 'B', o.shared, o.colorMap, o.opacity),
  ];
  const image = await loadImage(o.a.side.imageUrl ?? o.b.side.imageUrl);
  const { width, height } = canvasSize(image, SIZE);
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  drawDifference(
    ctx,
    { width, height },
    image,
    o.diff.values,
    o.diff,
    o.diff.maxAbs,
    0.7,
    o.diff.on === 'grid' ? o.a.box : WHOLE,
  );
  const maskUrl = o.a.side.maskUrl ?? o.b.side.maskUrl;
  const mask = maskUrl ? await maskBits(maskUrl) : null;
  if (mask) {
    ctx.setTransform(width / SIZE, 0, 0, height / SIZE, 0, 0);
    drawContour(ctx, mask.bits, mask.width, mask.height, 0.5, SIZE, '#111111');
  }
  cells.push({
    panel: c,
    lines: [
      'B − A',
      o.diff.on === 'grid'
        ? `on the shared ${o.diff.rows} × ${o.diff.cols} grid`
        : 'over the image (the grids differ)',
      `${o.diffScale === 'min-max' ? 'each map min–max normalised' : 'raw values'}; ±${o.diff.maxAbs.toExponential(2)}`,
      'blue: A higher, red: B higher',
    ],
  });
  return figurePng(
    [
      `Side by side: ${o.what}`,
      `${o.colorMap} colours, ${o.shared ? 'one scale for both maps' : 'each map min–max'}; white (black on B − A): the ground-truth mask.`,
    ],
    cells,
    3,
    SIZE,
  );
}
