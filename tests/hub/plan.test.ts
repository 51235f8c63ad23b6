import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFolderSource } from '../../src/cli/node-repo-source';
import { parseRepoConfig } from '../../src/workers/hub/config';
import { defaultDtypes, parseDtypeRequest, type Device } from '../../src/workers/hub/dtypes';
import { externalDataNames, parsePieceManifest } from '../../src/workers/hub/layout';
import { loadRepo, type HubProgress } from '../../src/workers/hub/load';
import { configDtype, planRepo, type PlanOptions } from '../../src/workers/hub/plan';
import { dataFile, PIECE_BYTES, sameBytes, tinyRepo, writeRepo, type TinyRepoOptions } from './repo-fixture';
import { refusal } from './refusal';

const WASM: Device = { backend: 'wasm' };
const GPU_F16: Device = { backend: 'webgpu', shaderF16: true };
const GPU: Device = { backend: 'webgpu', shaderF16: false };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function folder(files: Record<string, Uint8Array>): NodeFolderSource {
  const dir = mkdtempSync(join(tmpdir(), 'hub-plan-'));
  dirs.push(dir);
  return new NodeFolderSource(writeRepo(dir, files));
}
const repo = (o: TinyRepoOptions = {}) => folder(tinyRepo(o));

describe('dtypes', () => {
  it("start from transformers.js's defaults (q8 on wasm, fp32 on WebGPU for every component), then least lossy", () => {
    for (const c of ['vision', 'embed', 'decoder'] as const) {
      expect(defaultDtypes(c, WASM)).toEqual([
        'quantized',
        'fp32',
        'int8',
        'uint8',
        'q4',
        'bnb4',
        'fp16',
        'q4f16',
      ]);
      expect(defaultDtypes(c, GPU_F16)).toEqual([
        'fp32',
        'fp16',
        'quantized',
        'int8',
        'uint8',
        'q4',
        'q4f16',
        'bnb4',
      ]);
      expect(defaultDtypes(c, GPU)).toEqual(['fp32', 'quantized', 'int8', 'uint8', 'q4', 'bnb4']);
    }
    // Without shader-f16 no fallback is an f16 graph.
    for (const c of ['vision', 'embed', 'decoder'] as const)
      expect(defaultDtypes(c, GPU).filter((d) => d === 'fp16' || d === 'q4f16')).toEqual([]);
  });

  it('parse --dtype as one dtype or per component', () => {
    expect(parseDtypeRequest('q8')).toBe('quantized');
    expect(parseDtypeRequest('decoder=q4f16,vision_encoder=fp16')).toEqual({
      decoder: 'q4f16',
      vision: 'fp16',
    });
    expect(() => parseDtypeRequest('q3')).toThrow(
      /--dtype "q3": unknown dtype \(known: fp32, fp16, q4, q4f16, quantized, int8, uint8, bnb4, q8\)/,
    );
    expect(() => parseDtypeRequest('lm_head=q4')).toThrow(/components vision, embed, decoder/);
    expect(() => parseDtypeRequest('constructor=q4')).toThrow(/components vision, embed, decoder/);
  });

  it("take config.json's dtype per file stem, a device_config dtype replacing it whole (as transformers.js merges)", () => {
    const c = parseRepoConfig({
      'config.json': JSON.stringify({
        model_type: 'smolvlm',
        'transformers.js_config': {
          dtype: { decoder_model_merged: 'q4', embed_tokens: 'fp32' },
          device_config: { webgpu: { dtype: { decoder_model_merged: 'q4f16' } } },
        },
      }),
    });
    expect(configDtype(c.transformersJs, 'decoder', WASM)).toBe('q4');
    expect(configDtype(c.transformersJs, 'decoder', GPU_F16)).toBe('q4f16');
    // transformers.js spreads device_config.webgpu over the config: its dtype object has no embed_tokens.
    expect(configDtype(c.transformersJs, 'embed', GPU_F16)).toBeNull();
    expect(configDtype(c.transformersJs, 'embed', WASM)).toBe('fp32');
    expect(configDtype(c.transformersJs, 'vision', WASM)).toBeNull();
  });
});

describe('planRepo', () => {
  it('picks the default dtype per device, or the fallback the repo has', async () => {
    const src = repo();
    expect((await planRepo(src, { device: WASM })).dtypes).toEqual({
      vision: 'quantized',
      embed: 'quantized',
      decoder: 'quantized',
    });
    // No fp32 graphs in this repo: WebGPU's fp32 falls back to the least lossy there is (fp16 with shader-f16, 8-bit without).
    expect((await planRepo(src, { device: GPU_F16 })).dtypes).toEqual({
      vision: 'fp16',
      embed: 'fp16',
      decoder: 'fp16',
    });
    const plain = await planRepo(src, { device: GPU });
    expect(plain.dtypes).toEqual({ vision: 'quantized', embed: 'quantized', decoder: 'quantized' });
    expect(plain.components.decoder.dtypeFrom).toBe('default');
  });

  it("uses the user's dtype, then config.json's, over the defaults", async () => {
    const src = repo({ transformersJs: { dtype: { decoder_model_merged: 'q4' } } });
    const fromConfig = await planRepo(src, { device: WASM });
    expect(fromConfig.dtypes.decoder).toBe('q4');
    expect(fromConfig.components.decoder.dtypeFrom).toBe('config');
    const fromUser = await planRepo(src, { device: WASM, dtype: { decoder: 'fp16', vision: 'auto' } });
    expect(fromUser.dtypes).toEqual({ vision: 'quantized', embed: 'quantized', decoder: 'fp16' });
    expect(fromUser.components.decoder.dtypeFrom).toBe('user');
  });

  it('refuses an fp16 dtype where WebGPU lacks shader-f16, naming the dtypes that would work', async () => {
    const src = repo();
    expect(await refusal(planRepo(src, { device: GPU, dtype: 'fp16' }))).toBe(
      "onnx/vision_encoder_fp16.onnx: is fp16 (the dtype asked for), which needs WebGPU's shader-f16, and this browser's GPU lacks it; dtypes that would work here: q4, quantized (or the wasm backend)",
    );
    expect(await refusal(planRepo(src, { device: GPU, dtype: { decoder: 'q4f16' } }))).toMatch(
      /^onnx\/decoder_model_merged_q4f16\.onnx: is q4f16 .* dtypes that would work here: q4, quantized/,
    );
    // config.json asking for it is refused the same way; wasm runs it.
    const cfg = repo({ transformersJs: { dtype: 'fp16' } });
    expect(await refusal(planRepo(cfg, { device: GPU }))).toMatch(
      /is fp16 \(config\.json's transformers\.js_config\.dtype\)/,
    );
    expect((await planRepo(cfg, { device: WASM })).dtypes.decoder).toBe('fp16');
  });

  it('refuses a dtype the repo lacks, listing those it has', async () => {
    expect(await refusal(planRepo(repo(), { device: WASM, dtype: 'bnb4' }))).toBe(
      'onnx/vision_encoder_bnb4.onnx: is not in the repo (the dtype asked for is bnb4); it has vision_encoder in: fp16, q4, q4f16, quantized',
    );
  });

  it("names the data files from the graph's tensors: .onnx_data and .onnx_data_1, with their sizes", async () => {
    const files = tinyRepo({ dtypes: ['quantized'] });
    const plan = await planRepo(folder(files), { device: WASM });
    const d = plan.components.decoder;
    expect(d.dataFromGraph).toBe(true);
    expect(d.data.map((x) => [x.location, x.path, x.bytes, x.needed])).toEqual([
      [
        'decoder_model_merged_quantized.onnx_data',
        'onnx/decoder_model_merged_quantized.onnx_data',
        98304,
        98304,
      ],
      [
        'decoder_model_merged_quantized.onnx_data_1',
        'onnx/decoder_model_merged_quantized.onnx_data_1',
        98304,
        98304,
      ],
    ]);
    const sum = Object.values(files).reduce((n, b) => n + b.length, 0);
    expect(plan.totalBytes).toBe(sum);
    expect(plan.files.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
  });

  it('counts data files from use_external_data_format when the graph is not read while planning', async () => {
    const src = repo({
      dtypes: ['quantized'],
      transformersJs: {
        use_external_data_format: {
          decoder_model_merged_quantized: 2,
          'vision_encoder_quantized.onnx': 1,
          embed_tokens: true,
        },
      },
    });
    const plan = await planRepo(src, { device: WASM, graphReadLimit: 0 });
    expect(plan.components.decoder.dataFromGraph).toBe(false);
    expect(plan.components.decoder.data.map((d) => d.location)).toEqual(
      externalDataNames('decoder_model_merged_quantized.onnx', 2),
    );
    expect(plan.components.decoder.data[0].needed).toBeNull();
    // The graph read at load time names the same files: load checks them and fills in what they need.
    const loaded = await loadRepo(plan);
    expect(loaded.graphs.decoder.externalData.map((d) => d.path)).toEqual(
      externalDataNames('decoder_model_merged_quantized.onnx', 2),
    );
    expect(plan.components.decoder.data[1].needed).toBe(98304);
  });

  it('finds .onnx_data, _1, … by name when neither the graph nor config.json says', async () => {
    const plan = await planRepo(repo({ dtypes: ['quantized'] }), { device: WASM, graphReadLimit: 0 });
    expect(plan.components.decoder.data.map((d) => d.path)).toEqual([
      'onnx/decoder_model_merged_quantized.onnx_data',
      'onnx/decoder_model_merged_quantized.onnx_data_1',
    ]);
  });

  it('refuses a graph that names a data file the layout did not list (found at load time)', async () => {
    const src = repo({ dtypes: ['quantized'], transformersJs: { use_external_data_format: 1 } });
    const plan = await planRepo(src, { device: WASM, graphReadLimit: 0 });
    expect(await refusal(loadRepo(plan))).toMatch(
      /^onnx\/decoder_model_merged_quantized\.onnx: keeps weights in decoder_model_merged_quantized\.onnx_data_1, which the repo layout .* does not list/,
    );
  });

  it('plans and loads a data file served in numbered pieces as one buffer', async () => {
    const files = tinyRepo({ dtypes: ['quantized'], embedInPieces: true });
    const plan = await planRepo(folder(files), { device: WASM });
    const e = plan.components.embed.data[0];
    expect(e.path).toBe('onnx/embed_tokens_quantized.onnx_data');
    expect(e.pieces?.map((p) => p.bytes)).toEqual([PIECE_BYTES, PIECE_BYTES, 96 * 1024 - 2 * PIECE_BYTES]);
    expect(e.bytes).toBe(96 * 1024);
    const events: HubProgress[] = [];
    const loaded = await loadRepo(plan, (p) => events.push(p));
    const data = loaded.graphs.embed.externalData[0];
    expect(data.path).toBe('embed_tokens_quantized.onnx_data');
    expect(sameBytes(data.data, dataFile(files, 'onnx/embed_tokens_quantized.onnx_data'))).toBe(true);
    expect(data.data.buffer.byteLength).toBe(96 * 1024); // one buffer, exactly the file
    for (const [c, g] of Object.entries(loaded.graphs)) {
      expect(sameBytes(g.bytes, files[g.path])).toBe(true);
      for (const d of g.externalData)
        expect(sameBytes(d.data, dataFile(files, `onnx/${d.path}`)), c).toBe(true);
    }
    expect(loaded.chatTemplate).toBe('{{ messages[0].content }}');
    expect(loaded.tokenizerJson.model).toMatchObject({ type: 'WordLevel' });
    const last = events.filter((p) => p.status === 'done').at(-1);
    expect(last?.status === 'done' && last.overall).toEqual({
      loaded: plan.totalBytes,
      total: plan.totalBytes,
    });
    expect(events.at(-1)).toEqual({ status: 'ready' });
  });

  it('refuses a truncated data file and a short piece, naming them', async () => {
    const files = tinyRepo({ dtypes: ['quantized'], embedInPieces: true });
    files['onnx/decoder_model_merged_quantized.onnx_data_1'] = files[
      'onnx/decoder_model_merged_quantized.onnx_data_1'
    ].slice(0, 1000);
    expect(await refusal(planRepo(folder(files), { device: WASM }))).toBe(
      'onnx/decoder_model_merged_quantized.onnx_data_1: is truncated: 1000 bytes, and onnx/decoder_model_merged_quantized.onnx reads 98304 from it',
    );
    const pieces = tinyRepo({ dtypes: ['quantized'], embedInPieces: true });
    pieces['onnx/embed_tokens_quantized.onnx_data.01.chunk'] = pieces[
      'onnx/embed_tokens_quantized.onnx_data.01.chunk'
    ].slice(0, 7);
    expect(await refusal(planRepo(folder(pieces), { device: WASM }))).toMatch(
      /^onnx\/embed_tokens_quantized\.onnx_data: is truncated: its 3 pieces hold \d+ bytes, and onnx\/embed_tokens_quantized\.onnx reads 98304 from it \(onnx\/embed_tokens_quantized\.onnx_data\.01\.chunk, 7 bytes, looks short\)$/,
    );
  });

  it('refuses a repo with some pieces of a data file but not all', async () => {
    const files = tinyRepo({ dtypes: ['quantized'], embedInPieces: true });
    delete files['onnx/embed_tokens_quantized.onnx_data.02.chunk'];
    expect(await refusal(planRepo(folder(files), { device: WASM, requireComplete: false }))).toMatch(
      /^onnx\/embed_tokens_quantized\.onnx_data\.02\.chunk: is not in the repo, though other pieces of onnx\/embed_tokens_quantized\.onnx_data are/,
    );
  });

  it('names the first missing file, or lists them all for inspection', async () => {
    const files = tinyRepo({ dtypes: ['quantized'] });
    delete files['tokenizer.json'];
    delete files['onnx/decoder_model_merged_quantized.onnx_data_1'];
    const src = folder(files);
    expect(await refusal(planRepo(src, { device: WASM }))).toBe(
      'tokenizer.json: is not in the repo, and the model cannot read text without it',
    );
    const plan = await planRepo(src, { device: WASM, requireComplete: false } satisfies PlanOptions);
    expect(plan.missing).toEqual(['tokenizer.json', 'onnx/decoder_model_merged_quantized.onnx_data_1']);
    expect(await refusal(loadRepo(plan))).toMatch(/^tokenizer\.json: is not in the repo/);
    const noGraph = tinyRepo({ dtypes: ['quantized'] });
    delete noGraph['onnx/embed_tokens_quantized.onnx'];
    expect(await refusal(planRepo(folder(noGraph), { device: WASM }))).toBe(
      'onnx/embed_tokens.onnx: is not in the repo in any dtype (looked for onnx/embed_tokens{,_fp16,_q4,_q4f16,_quantized,_int8,_uint8,_bnb4}.onnx)',
    );
  });

  it('refuses a data location or a piece name that leaves the repo', async () => {
    const files = tinyRepo({ dtypes: ['quantized'], embedInPieces: true });
    files['onnx/manifest.json'] = new TextEncoder().encode(
      JSON.stringify({ 'embed_tokens_quantized.onnx_data': { chunks: ['..%2F..%2Fsecret'] } }),
    );
    expect(await refusal(planRepo(folder(files), { device: WASM }))).toMatch(
      /^onnx\/manifest\.json chunk "\.\.%2F\.\.%2Fsecret": goes up a folder/,
    );
    expect(() => parsePieceManifest({ 'x.onnx_data': { chunks: ['C:\\x'] } })).toThrow(/backslash|drive/);
    expect(() => parsePieceManifest({ '../x.onnx_data': { chunks: ['a'] } })).toThrow(/goes up a folder/);
  });

  it('refuses a graph file that is not ONNX, naming it', async () => {
    const files = tinyRepo({ dtypes: ['quantized'] });
    files['onnx/vision_encoder_quantized.onnx'] = new TextEncoder().encode('<html>not found</html>');
    expect(await refusal(planRepo(folder(files), { device: WASM }))).toMatch(
      /^onnx\/vision_encoder_quantized\.onnx: is not a readable ONNX graph/,
    );
  });

  it('refuses a tokenizer.json that is not JSON at load, naming it', async () => {
    const files = tinyRepo({ dtypes: ['quantized'] });
    files['tokenizer.json'] = new TextEncoder().encode('{"model": ');
    const plan = await planRepo(folder(files), { device: WASM });
    expect(await refusal(loadRepo(plan))).toMatch(/^tokenizer\.json: is not JSON \(/);
  });

  it('refuses a repo without an image processor or a chat template', async () => {
    const a = tinyRepo({ dtypes: ['quantized'] });
    delete a['preprocessor_config.json'];
    delete a['processor_config.json'];
    expect(await refusal(planRepo(folder(a), { device: WASM }))).toMatch(
      /^preprocessor_config\.json: is not in the repo/,
    );
    const b = tinyRepo({ dtypes: ['quantized'] });
    b['tokenizer_config.json'] = new TextEncoder().encode('{}');
    expect(await refusal(planRepo(folder(b), { device: WASM }))).toMatch(
      /^chat_template\.jinja: is not in the repo: no chat template/,
    );
  });

  it('writes nothing: a plan of an unchanged folder twice is the same', async () => {
    const src = repo({ dtypes: ['quantized'] });
    const a = await planRepo(src, { device: WASM });
    const b = await planRepo(src, { device: WASM });
    expect(b.files).toEqual(a.files);
    writeFileSync(join(src.where, 'onnx/decoder_model_merged_quantized.onnx_data_1'), new Uint8Array(5));
    expect(await refusal(planRepo(src, { device: WASM }))).toMatch(/_data_1: is truncated: 5 bytes/);
  });
});
