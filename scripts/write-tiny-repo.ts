/**
 * `npx tsx scripts/write-tiny-repo.ts FAMILY OUTDIR [options]`: writes one
 * generated tiny Hugging Face ONNX repo (tests/onnx/tiny-repo.ts) for
 * Playwright and for people, and prints what it wrote as JSON.
 *
 *   --answer yes|no|bright       the word inside <answer> … </answer> (default yes; bright: yes iff a bright cell)
 *   --dtypes quantized,int8,…    also write these file names, as copies of the fp32 graphs
 *   --template-in FILE           chat_template.jinja, chat_template.json or tokenizer_config.json
 *                                (default: where the family's real repos keep it)
 *   --decoder plain|if-merged    if-merged: Optimum's merged layout (If on a use_cache_branch input)
 *   --image PNG --size WxH --cell ROW,COL
 *                                also write a dark PNG with a bright square over that cell of the default view
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { plantedImage, pngBytes } from '../tests/onnx/tiny-repo-image';
import {
  COPY_DTYPES,
  TINY_FAMILIES,
  writeTinyRepo,
  type CopyDtype,
  type TemplatePlace,
  type TinyFamily,
} from '../tests/onnx/tiny-repo';

const USAGE = `usage: write-tiny-repo.ts FAMILY OUTDIR [--answer yes|no|bright] [--dtypes ${Object.keys(COPY_DTYPES).join(',')}] [--template-in chat_template.jinja|chat_template.json|tokenizer_config.json] [--decoder plain|if-merged] [--image PNG --size WxH --cell ROW,COL]
families: ${TINY_FAMILIES.join(', ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const positional: string[] = [];
const flags = new Map<string, string>();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) positional.push(a);
  else if (i + 1 < argv.length) flags.set(a.slice(2), argv[++i]);
  else fail(`${a} needs a value`);
}
for (const k of flags.keys())
  if (!['answer', 'dtypes', 'template-in', 'decoder', 'image', 'size', 'cell'].includes(k))
    fail(`unknown option --${k}`);
if (positional.length !== 2) fail('expected FAMILY and OUTDIR');
const [family, out] = positional;
if (!(TINY_FAMILIES as readonly string[]).includes(family)) fail(`unknown family ${JSON.stringify(family)}`);
const answer = flags.get('answer') ?? 'yes';
if (answer !== 'yes' && answer !== 'no' && answer !== 'bright') fail('--answer is yes, no or bright');
const dtypes = (flags.get('dtypes') ?? '').split(',').filter(Boolean);
for (const d of dtypes)
  if (!Object.hasOwn(COPY_DTYPES, d))
    fail(`--dtypes: ${JSON.stringify(d)} is not one of ${Object.keys(COPY_DTYPES).join(', ')}`);
const templateIn = flags.get('template-in');
if (
  templateIn !== undefined &&
  !['chat_template.jinja', 'chat_template.json', 'tokenizer_config.json'].includes(templateIn)
)
  fail('--template-in is chat_template.jinja, chat_template.json or tokenizer_config.json');
const decoder = flags.get('decoder') ?? 'plain';
if (decoder !== 'plain' && decoder !== 'if-merged') fail('--decoder is plain or if-merged');

const repo = writeTinyRepo(out, family as TinyFamily, {
  answer,
  dtypes: dtypes as CopyDtype[],
  templateIn: templateIn as TemplatePlace | undefined,
  ifMerged: decoder === 'if-merged',
});
const report: Record<string, unknown> = {
  family: repo.family,
  modelType: repo.modelType,
  dir: out,
  files: Object.fromEntries([...repo.files].map(([p, b]) => [p, b.length])),
  answer: repo.answer.text,
  darkAnswer: repo.darkAnswer.text,
  imageToken: repo.imageToken,
  eosTokenIds: repo.eosTokenIds,
  attentionLayers: repo.attentionLayers,
};
const image = flags.get('image');
if (image !== undefined) {
  const size = /^(\d+)x(\d+)$/.exec(flags.get('size') ?? '');
  const cell = /^(\d+),(\d+)$/.exec(flags.get('cell') ?? '');
  if (!size || !cell) fail('--image needs --size WxH and --cell ROW,COL');
  let planted: ReturnType<typeof plantedImage>;
  try {
    planted = plantedImage(
      family as TinyFamily,
      Number(size[1]),
      Number(size[2]),
      Number(cell[1]),
      Number(cell[2]),
    );
  } catch (e) {
    fail((e as Error).message);
  }
  mkdirSync(dirname(image), { recursive: true });
  writeFileSync(image, pngBytes(planted.image));
  report.image = {
    path: image,
    grid: { rows: planted.grid.rows, cols: planted.grid.cols },
    box: planted.box,
    cell: planted.cell,
  };
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
