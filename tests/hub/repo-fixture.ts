/**
 * Generated Hugging Face repos for the hub loader's tests: ONNX graphs whose
 * initializers live in external data files (encoded here field by field
 * from onnx.proto, independently of the reader under test), data files of
 * seeded bytes, and the small files of a VLM export.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

class W {
  private out: number[] = [];
  varint(v: number): this {
    let n = BigInt(v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      this.out.push(b);
    } while (n > 0n);
    return this;
  }
  int(field: number, v: number): this {
    return this.varint(field << 3).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2).varint(b.length);
    for (const x of b) this.out.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export interface ExternalTensor {
  name: string;
  location: string;
  offset: number;
  length: number;
}

export interface GraphNode {
  op: string;
  domain?: string;
  name: string;
  inputs: string[];
  outputs: string[];
}

/** A ModelProto whose float tensors are all external (TensorProto.data_location = EXTERNAL). */
export function graphWithExternalData(tensors: ExternalTensor[], nodes: GraphNode[] = []): Uint8Array {
  const g = new W();
  for (const n of nodes) {
    const nw = new W();
    for (const i of n.inputs) nw.str(1, i);
    for (const o of n.outputs) nw.str(2, o);
    nw.str(3, n.name).str(4, n.op);
    if (n.domain) nw.str(7, n.domain);
    g.bytes(1, nw.done());
  }
  g.str(2, 'hub-fixture');
  for (const t of tensors) {
    const tw = new W()
      .int(1, t.length / 4)
      .int(2, 1)
      .str(8, t.name);
    for (const [k, v] of [
      ['location', t.location],
      ['offset', String(t.offset)],
      ['length', String(t.length)],
    ])
      tw.bytes(13, new W().str(1, k).str(2, v).done());
    tw.int(14, 1);
    g.bytes(5, tw.done());
  }
  const value = (name: string) => {
    const dim = new W().int(1, 1).done();
    const shape = new W().bytes(1, dim).done();
    const tensorType = new W().int(1, 1).bytes(2, shape).done();
    return new W().str(1, name).bytes(2, new W().bytes(1, tensorType).done()).done();
  };
  g.bytes(11, value('x'));
  g.bytes(12, value('y'));
  return new W()
    .int(1, 8)
    .str(2, 'hub-tests')
    .bytes(7, g.done())
    .bytes(8, new W().str(1, '').int(2, 17).done())
    .done();
}

/** Seeded bytes (xorshift), so a wrongly spliced resume cannot pass by accident. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

export interface TinyRepoOptions {
  modelType?: string;
  /** dtypes to write graphs for (default quantized, q4, q4f16, fp16). */
  dtypes?: string[];
  /** Decoder data split over `.onnx_data` and `.onnx_data_1` (default true). */
  twoDecoderFiles?: boolean;
  /** Serve the embed_tokens data file as numbered pieces listed in onnx/manifest.json. */
  embedInPieces?: boolean;
  /** Bytes per data file (default 96 KiB; pieces are 40 KiB). */
  dataBytes?: number;
  transformersJs?: Record<string, unknown>;
}

// Spelled out, not imported from src/workers/hub/dtypes.ts: the fixture is the hub's layout as an independent reference.
const SUFFIX: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q4: '_q4',
  q4f16: '_q4f16',
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  bnb4: '_bnb4',
};

export const PIECE_BYTES = 40 * 1024;

/** A VLM repo in the onnx-community layout: path → bytes. */
export function tinyRepo(o: TinyRepoOptions = {}): Record<string, Uint8Array> {
  const enc = (v: unknown) =>
    new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  const size = o.dataBytes ?? 96 * 1024;
  const files: Record<string, Uint8Array> = {
    'config.json': enc({
      model_type: o.modelType ?? 'qwen2_vl',
      text_config: { num_hidden_layers: 2, eos_token_id: 2 },
      vision_config: { patch_size: 14 },
      ...(o.transformersJs && { 'transformers.js_config': o.transformersJs }),
    }),
    'generation_config.json': enc({ eos_token_id: [2, 7], bos_token_id: 1 }),
    'preprocessor_config.json': enc({ image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] }),
    'processor_config.json': enc({ image_processor: { do_normalize: true, resample: 3 }, image_seq_len: 64 }),
    'tokenizer_config.json': enc({ chat_template: '{{ messages[0].content }}', eos_token: '<eos>' }),
    'tokenizer.json': enc({ version: '1.0', model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }),
  };
  let seed = 1;
  const manifest: Record<string, { chunks: string[] }> = {};
  for (const dtype of o.dtypes ?? ['quantized', 'q4', 'q4f16', 'fp16']) {
    for (const stem of ['vision_encoder', 'embed_tokens', 'decoder_model_merged']) {
      const file = `${stem}${SUFFIX[dtype]}.onnx`;
      const split = stem === 'decoder_model_merged' && (o.twoDecoderFiles ?? true);
      const locations = split ? [`${file}_data`, `${file}_data_1`] : [`${file}_data`];
      const tensors: ExternalTensor[] = [];
      for (const location of locations) {
        // Two tensors per file, the second ending exactly at the file's end.
        tensors.push({ name: `${location}/a`, location, offset: 0, length: size / 2 });
        tensors.push({ name: `${location}/b`, location, offset: size / 2, length: size / 2 });
      }
      const nodes: GraphNode[] =
        stem === 'decoder_model_merged'
          ? [{ op: 'Identity', name: '/model/layers.0/attn/Identity', inputs: ['x'], outputs: ['y'] }]
          : [];
      files[`onnx/${file}`] = graphWithExternalData(tensors, nodes);
      for (const location of locations) {
        const data = seededBytes(size, seed++);
        if (stem === 'embed_tokens' && o.embedInPieces) {
          const chunks: string[] = [];
          for (let at = 0, i = 0; at < size; at += PIECE_BYTES, i++) {
            const name = `${location}.${String(i).padStart(2, '0')}.chunk`;
            chunks.push(name);
            files[`onnx/${name}`] = data.slice(at, at + PIECE_BYTES);
          }
          manifest[location] = { chunks };
        } else files[`onnx/${location}`] = data;
      }
    }
  }
  if (Object.keys(manifest).length) files['onnx/manifest.json'] = enc(manifest);
  return files;
}

/** The bytes a data file holds, pieces joined (what the loader must hand to onnxruntime). */
export function dataFile(repo: Record<string, Uint8Array>, path: string): Uint8Array {
  if (repo[path]) return repo[path];
  const pieces = Object.keys(repo)
    .filter((p) => p.startsWith(`${path}.`) && p.endsWith('.chunk'))
    .sort();
  const out = new Uint8Array(pieces.reduce((n, p) => n + repo[p].length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(repo[p], at);
    at += repo[p].length;
  }
  return out;
}

export function writeRepo(dir: string, files: Record<string, Uint8Array | string>): string {
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return dir;
}

/** Byte-for-byte equality without an element-wise diff (fast on large buffers). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
