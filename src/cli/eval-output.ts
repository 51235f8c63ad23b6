import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummaryHeader, RunSummaryRow } from '../real';
import { finiteJson } from './finite-json';

/**
 * What `real eval --traces OUT` and `real eval-traces OUT` write beside the
 * traces: the run summary (docs/run-summary.md) and the report, each
 * appearing whole or not at all (a temporary name in the same folder, created
 * exclusively, renamed at the end).
 */

/** `''`, or `.shard-I-of-N` for a shard's own files. */
export function shardSuffix(shard: { index: number; count: number } | null): string {
  return shard ? `.shard-${shard.index}-of-${shard.count}` : '';
}

function tempBeside(path: string): string {
  return `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function writeAll(fd: number, text: string): void {
  const b = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done);
}

/** Writes a text file atomically. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = tempBeside(path);
  const fd = openSync(temp, 'wx');
  try {
    writeAll(fd, text);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
  renameSync(temp, path);
}

/** summary*.jsonl, one row at a time; `finish` renames it into place. */
export class SummaryWriter {
  private readonly temp: string;
  private fd: number | null;
  rows = 0;

  constructor(
    readonly path: string,
    header: RunSummaryHeader,
  ) {
    this.temp = tempBeside(path);
    this.fd = openSync(this.temp, 'wx');
    writeAll(this.fd, `${finiteJson(header)}\n`);
  }

  add(row: RunSummaryRow): void {
    if (this.fd === null) throw new Error('the summary is closed');
    writeAll(this.fd, `${finiteJson(row)}\n`);
    this.rows++;
  }

  finish(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.temp, this.path);
  }

  abandon(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    rmSync(this.temp, { force: true });
  }
}

export function summaryPath(dir: string, shard: { index: number; count: number } | null): string {
  return join(dir, `summary${shardSuffix(shard)}.jsonl`);
}

export function reportPath(dir: string, shard: { index: number; count: number } | null): string {
  return join(dir, `report${shardSuffix(shard)}.json`);
}
