/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import {
  BINARY_PREFIX_BYTES,
  attachBinaryRows,
  binaryPaddingRange,
  binaryTraceParts,
  checkBinaryPadding,
  isBinaryTrace,
  packTraceRows,
  parseTrace,
  prepareTraceSteps,
  readBinaryHeader,
  readBinaryPrefix,
  traceJsonParts,
  withoutRows,
  TraceJsonReader,
  type AnyTrace,
  type Trace,
  type PrepareSettings,
} from '../real';
import { blobFromParts } from './blob-parts';
import { checkTraceImages } from './engine/image-header';
import {
  CANCELLED,
  toTransfer,
  type OpenedTrace,
  type PrepareResult,
  type SaveRequest,
  type TraceTaskProgress,
  type TraceWorkerApi,
} from './trace-api';

/**
 * The trace worker: opening a trace file (either form), checking it, and
 * prepareTrace, off the page's thread. It reads the rows once, into a
 * SharedArrayBuffer the page maps too, and keeps the trace so a change of
 * layers, row reading or anomaly words is prepared here again.
 *
 * A task yields between chunks (file reads, groups of tokens), so `cancel`
 * and a newer task can stop it; a newer task supersedes an older one.
 */

const CHUNK_BYTES = 8 * 1024 * 1024;
/** JSON larger than this goes through the streaming parser (no string of the file). */
const STREAM_FROM = 32 * 1024 * 1024;

let current: AnyTrace | null = null;
let task = 0;
let cancelledTask = -1;

const canShare = typeof SharedArrayBuffer !== 'undefined' && self.crossOriginIsolated;

function allocate(bytes: number): Uint8Array {
  return new Uint8Array(canShare ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

/** Throws if this task was cancelled or superseded; lets queued messages (a cancel) in first. */
async function checkpoint(mine: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (mine !== task || mine === cancelledTask) throw new Error(CANCELLED);
}

async function readRange(file: Blob, from: number, to: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(from, to).arrayBuffer());
}

async function openBinary(
  file: Blob,
  mine: number,
  onProgress: (p: TraceTaskProgress) => void,
): Promise<{ trace: AnyTrace; rows: Uint8Array; layout: OpenedTrace['layout'] }> {
  const head = await readRange(file, 0, BINARY_PREFIX_BYTES);
  const { headerLength } = readBinaryPrefix(head, file.size);
  const header = await readRange(file, BINARY_PREFIX_BYTES, BINARY_PREFIX_BYTES + headerLength);
  // Every claim of the header is checked against the file's size before the rows are allocated.
  const { meta, layout } = readBinaryHeader(header, file.size);
  const [padFrom, padTo] = binaryPaddingRange(headerLength, layout);
  checkBinaryPadding(await readRange(file, padFrom, padTo), padFrom);
  const rows = allocate(layout.byteLength);
  for (let at = 0; at < layout.byteLength; at += CHUNK_BYTES) {
    onProgress({ phase: 'reading', done: at, total: layout.byteLength });
    const end = Math.min(layout.byteLength, at + CHUNK_BYTES);
    rows.set(await readRange(file, layout.byteOffset + at, layout.byteOffset + end), at);
    await checkpoint(mine);
  }
  onProgress({ phase: 'checking', done: 0, total: 1 });
  return { trace: attachBinaryRows(meta, layout, rows), rows, layout };
}

async function openJson(
  file: Blob,
  mine: number,
  onProgress: (p: TraceTaskProgress) => void,
): Promise<{ trace: AnyTrace; rows: Uint8Array; layout: OpenedTrace['layout'] }> {
  let parsed: Trace;
  if (file.size <= STREAM_FROM) {
    onProgress({ phase: 'reading', done: 0, total: file.size });
    const text = await file.text();
    await checkpoint(mine);
    onProgress({ phase: 'checking', done: 0, total: 1 });
    parsed = parseTrace(text);
  } else {
    // Large JSON: in chunks through the streaming parser, never one string of the file.
    const reader = new TraceJsonReader();
    for (let at = 0; at < file.size; at += CHUNK_BYTES) {
      onProgress({ phase: 'reading', done: at, total: file.size });
      reader.push(await readRange(file, at, Math.min(file.size, at + CHUNK_BYTES)));
      await checkpoint(mine);
    }
    onProgress({ phase: 'checking', done: 0, total: 1 });
    parsed = reader.end();
  }
  await checkpoint(mine);
  // Into one shared buffer (float32: exactly the JSON's values), so the page reads the same rows.
  const { layout, rows } = packTraceRows(parsed, 'float32', allocate);
  return { trace: attachBinaryRows(withoutRows(parsed), layout, rows, { trusted: true }), rows, layout };
}

async function prepare(
  trace: AnyTrace,
  settings: PrepareSettings,
  mine: number,
  onProgress: (p: TraceTaskProgress) => void,
): Promise<PrepareResult> {
  if (trace.generated.length === 0) return { prepared: null, error: null };
  let steps;
  try {
    steps = prepareTraceSteps(trace, settings, 32);
    for (;;) {
      const step = steps.next();
      if (step.done) {
        return { prepared: toTransfer(step.value), error: null };
      }
      onProgress({ phase: 'preparing', done: step.value.done, total: step.value.total });
      await checkpoint(mine);
    }
  } catch (e) {
    if ((e as Error).message === CANCELLED) throw e;
    // A setting the trace cannot take (a layer range past its layers): said, not thrown.
    return { prepared: null, error: (e as Error).message };
  }
}

function transferables(r: PrepareResult): Transferable[] {
  return r.prepared ? [r.prepared.maps.buffer, r.prepared.sT.buffer, r.prepared.sI.buffer] : [];
}

const api: TraceWorkerApi = {
  async open(file, _name, settings, onProgress) {
    const mine = ++task;
    current = null;
    const head = await readRange(file, 0, 8);
    const opened = isBinaryTrace(head)
      ? await openBinary(file, mine, onProgress)
      : await openJson(file, mine, onProgress);
    // The image and mask from their headers, before the page shows them (the one pixel limit).
    checkTraceImages(opened.trace);
    await checkpoint(mine);
    const result = await prepare(opened.trace, settings, mine, onProgress);
    if (canShare) current = opened.trace;
    const out: OpenedTrace = {
      ...result,
      meta: withoutRows(opened.trace),
      layout: opened.layout,
      rows: opened.rows.buffer as SharedArrayBuffer | ArrayBuffer,
      shared: canShare,
      bytes: file.size,
    };
    // A shared buffer is shared by cloning; a plain one is handed over (the worker keeps nothing then).
    return Comlink.transfer(out, [
      ...transferables(result),
      ...(canShare ? [] : [opened.rows.buffer as ArrayBuffer]),
    ]);
  },

  async prepare(settings, onProgress) {
    const mine = ++task;
    if (!current) throw new Error('no trace is open in the trace worker');
    const result = await prepare(current, settings, mine, onProgress);
    return Comlink.transfer(result, transferables(result));
  },

  cancel() {
    cancelledTask = task;
  },

  async save(request: SaveRequest, onProgress) {
    if (!current) throw new Error('no trace is open in the trace worker');
    const trace: AnyTrace = { ...current, ...request.overrides };
    const total = trace.generated.length;
    let done = 0;
    const parts =
      request.form === 'json'
        ? traceJsonParts(trace)
        : binaryTraceParts(trace, request.dtype ?? 'float16').parts;
    const counted = (function* () {
      for (const p of parts as Iterable<string | Uint8Array>) {
        done++;
        yield p;
      }
    })();
    return blobFromParts(
      counted,
      request.form === 'json' ? 'application/json' : 'application/octet-stream',
      () => onProgress({ phase: 'writing', done: Math.min(done, total), total }),
    );
  },

  close() {
    task++;
    current = null;
  },
};

Comlink.expose(api);
