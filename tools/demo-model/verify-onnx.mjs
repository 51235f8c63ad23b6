// Runs the shipped real-demo-v1 package with onnxruntime-web (wasm) in Node and checks it against
// tools/demo-model/golden/golden.json (PyTorch fp32 reference). Exits 1 on mismatch.
//   node tools/demo-model/verify-onnx.mjs                 verify (default paths)
//   node tools/demo-model/verify-onnx.mjs --write         also store the onnx results in golden.json
//   node tools/demo-model/verify-onnx.mjs --agreement F   greedy answers for every sample in
//        public/samples/index.json vs the PyTorch fp32 tokens in F (written by golden.py); prints JSON
// Options: --pkg DIR (default public/models/real-demo-v1), --samples DIR (default public/samples)
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { PNG } from 'pngjs';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const pkgDir = path.resolve(root, opt('--pkg', 'public/models/real-demo-v1'));
const samplesDir = path.resolve(root, opt('--samples', 'public/samples'));
const goldenPath = path.resolve(root, opt('--golden', path.join(here, 'golden', 'golden.json')));

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'manifest.json'), 'utf8'));
const fail = [];

// ---- package files and hashes
for (const [k, f] of Object.entries(manifest.files)) {
  const buf = fs.readFileSync(path.join(pkgDir, f.path));
  const h = crypto.createHash('sha256').update(buf).digest('hex');
  if (h !== f.sha256 || buf.length !== f.bytes) fail.push(`file ${k}: hash/size mismatch`);
}

// ---- tokenizer + chat template
const tokJson = JSON.parse(fs.readFileSync(path.join(pkgDir, manifest.files.tokenizer.path), 'utf8'));
const tokenizer = new Tokenizer(tokJson, {});
const tpl = new Template(manifest.prompt.chatTemplate);
const rendered = tpl.render({
  messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: manifest.prompt.question }] }],
  add_generation_prompt: true,
});
const enc = tokenizer.encode(rendered, { add_special_tokens: false });
const imageId = tokJson.added_tokens.find((t) => t.content === manifest.prompt.imageToken).id;
const promptIds = [];
for (const id of enc.ids) {
  if (id === imageId) for (let i = 0; i < manifest.prompt.imageTokensPerImage; i++) promptIds.push(id);
  else promptIds.push(id);
}
const idToTok = new Map(tokJson.model.vocab.map((v, i) => [i, v[0]]));
const specialIds = new Set(tokJson.added_tokens.filter((t) => t.special).map((t) => t.id));
const eosId = tokJson.added_tokens.find((t) => t.content === manifest.specialTokens.eos).id;

// ---- sessions
const mk = (p) => ort.InferenceSession.create(fs.readFileSync(path.join(pkgDir, p)), { executionProviders: ['wasm'] });
const vision = await mk(manifest.files.visionEncoder.path);
const embed = await mk(manifest.files.embedTokens.path);
const decoder = await mk(manifest.files.decoder.path);
const { numLayers: L, numKeyValueHeads: KVH, headDim: HD, hiddenSize: D } = manifest.decoder;

function loadPixels(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  const { width: W, height: H } = manifest.image;
  if (png.width !== W || png.height !== H) throw new Error(`${file}: expected ${W}x${H}`);
  const out = new Float32Array(3 * H * W);
  const { rescale, mean, std } = manifest.image;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < 3; c++) {
        const v = png.data[(y * W + x) * 4 + c];
        out[c * H * W + y * W + x] = (v * rescale - mean[c]) / std[c];
      }
  return new ort.Tensor('float32', out, [1, 3, H, W]);
}

async function run(imageFile, maxNew = manifest.generation.maxNewTokens) {
  const px = loadPixels(imageFile);
  const feats = (await vision.run({ pixel_values: px })).image_features.data;
  const n = promptIds.length;
  const ids = new ort.Tensor('int64', BigInt64Array.from(promptIds.map(BigInt)), [1, n]);
  const emb = (await embed.run({ input_ids: ids })).inputs_embeds.data.slice();
  let k = 0;
  for (let i = 0; i < n; i++) if (promptIds[i] === imageId) emb.set(feats.subarray(k * D, (k++ + 1) * D), i * D);
  let past = {};
  for (let l = 0; l < L; l++) {
    past[`past_key_values.${l}.key`] = new ort.Tensor('float32', new Float32Array(0), [1, KVH, 0, HD]);
    past[`past_key_values.${l}.value`] = new ort.Tensor('float32', new Float32Array(0), [1, KVH, 0, HD]);
  }
  let inputs = emb;
  let pos0 = 0;
  let len = n;
  const calls = [];
  const tokens = [];
  for (let step = 0; step <= maxNew; step++) {
    const total = pos0 + len;
    const feeds = {
      inputs_embeds: new ort.Tensor('float32', inputs, [1, len, D]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: len }, (_, i) => BigInt(pos0 + i)), [1, len]),
      ...past,
    };
    const out = await decoder.run(feeds);
    calls.push(Array.from({ length: L }, (_, l) => Array.from(out[`decoder_attentions.${l}`].data)));
    if (tokens.length && tokens[tokens.length - 1] === eosId) break;
    if (tokens.length >= maxNew) break;
    const V = out.logits.dims[2];
    const lg = out.logits.data.subarray((len - 1) * V, len * V);
    let best = 0;
    for (let v = 1; v < V; v++) if (lg[v] > lg[best]) best = v;
    tokens.push(best);
    past = {};
    for (let l = 0; l < L; l++) {
      past[`past_key_values.${l}.key`] = out[`present.${l}.key`];
      past[`past_key_values.${l}.value`] = out[`present.${l}.value`];
    }
    const e = (await embed.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(best)]), [1, 1]) })).inputs_embeds.data;
    inputs = Float32Array.from(e);
    pos0 = total;
    len = 1;
  }
  return { tokens, texts: tokens.map((t) => idToTok.get(t)), calls };
}

const answerOf = (texts) => {
  const i = texts.indexOf('<answer>');
  return i >= 0 ? texts[i + 1] : null;
};

if (args.includes('--agreement')) {
  const ref = JSON.parse(fs.readFileSync(opt('--agreement'), 'utf8'));
  const index = JSON.parse(fs.readFileSync(path.join(samplesDir, 'index.json'), 'utf8'));
  let sameAns = 0, sameSeq = 0, maxDiff = 0, n = 0;
  const mism = [];
  for (const e of index) {
    const r = await run(path.join(samplesDir, e.image));
    const t = ref[e.id];
    n++;
    if (answerOf(r.texts) === answerOf(t.texts)) sameAns++; else mism.push(e.id);
    if (JSON.stringify(r.tokens) === JSON.stringify(t.tokens)) sameSeq++;
  }
  console.log(JSON.stringify({ n, answerAgreement: sameAns / n, sequenceAgreement: sameSeq / n, answerMismatches: mism }));
  process.exit(0);
}

// ---- golden check
const golden = JSON.parse(fs.readFileSync(goldenPath, 'utf8'));
if (JSON.stringify(promptIds) !== JSON.stringify(golden.promptInputIds)) fail.push('prompt input_ids differ from golden');
const qEnc = tokenizer.encode(golden.roundTrip.text, { add_special_tokens: false });
if (JSON.stringify(qEnc.ids) !== JSON.stringify(golden.roundTrip.ids)) fail.push('tokenizer: target text ids differ');
const tol = golden.tolerance.attention;
let maxDiff = 0;
const onnxOut = [];
for (const g of golden.cases) {
  const r = await run(path.join(samplesDir, g.image));
  if (JSON.stringify(r.tokens) !== JSON.stringify(g.torch.tokens)) fail.push(`${g.image}: tokens differ: ${r.texts.join(' ')}`);
  const nc = Math.min(r.calls.length, g.torch.attention.length);
  if (r.calls.length !== g.torch.attention.length) fail.push(`${g.image}: ${r.calls.length} decoder calls, golden has ${g.torch.attention.length}`);
  for (let c = 0; c < nc; c++)
    for (let l = 0; l < L; l++) {
      const a = r.calls[c][l], b = g.torch.attention[c][l];
      if (a.length !== b.length) { fail.push(`${g.image}: call ${c} layer ${l} length ${a.length} != ${b.length}`); continue; }
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
  let caseDiff = 0;
  for (let c = 0; c < nc; c++)
    for (let l = 0; l < L; l++)
      for (let i = 0; i < Math.min(r.calls[c][l].length, g.torch.attention[c][l].length); i++)
        caseDiff = Math.max(caseDiff, Math.abs(r.calls[c][l][i] - g.torch.attention[c][l][i]));
  onnxOut.push({ tokens: r.tokens, texts: r.texts, attentionMaxAbsDiff: caseDiff });
}
if (maxDiff > tol) fail.push(`attention max abs diff ${maxDiff} > tolerance ${tol}`);
console.log(JSON.stringify({ cases: golden.cases.length, attentionMaxAbsDiff: maxDiff, tolerance: tol, failures: fail }));
if (args.includes('--write')) {
  golden.cases.forEach((g, i) => (g.onnxWasmInt8 = onnxOut[i]));
  golden.onnxMaxAbsDiff = maxDiff;
  fs.writeFileSync(goldenPath, JSON.stringify(golden));
}
process.exit(fail.length ? 1 : 0);
