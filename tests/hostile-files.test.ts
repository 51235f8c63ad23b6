/**
 * Hostile files, round two (issue 19): where `real convert` writes (an output
 * must be a regular file or absent, written through a temporary file created
 * exclusively beside it), a binary trace refused from its prefix and header
 * before its rows are read, and errors that name the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectBounded, measured, real, refused } from './cli-process';

const HAND = 'tests/fixtures/traces/hand-computed.json';
let dir: string;
let rtrace: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'real-hostile-files-'));
  rtrace = at('hand.rtrace');
  expect(real('convert', HAND, rtrace).status).toBe(0);
});

/** Only what the test made is in the folder: no `.partial` file left behind. */
function noPartials(folder = dir) {
  expect(readdirSync(folder).filter((f) => f.includes('.partial'))).toEqual([]);
}

describe('real convert writes only to a regular file or a new name', () => {
  it('refuses a character device (as root it would replace /dev/null)', () => {
    refused(
      real('convert', rtrace, '/dev/null'),
      /^real: \/dev\/null: is a device, not a regular file; refusing/,
    );
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('refuses a FIFO and leaves it one', (ctx) => {
    const fifo = at('out.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return ctx.skip('mkfifo is not available here');
    refused(
      real('convert', rtrace, fifo),
      /out\.fifo: is a named pipe \(FIFO\), not a regular file; refusing/,
    );
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    noPartials();
  });

  it('refuses an existing folder in one line and leaves no partial file', () => {
    const folder = at('a-folder.json');
    mkdirSync(folder);
    refused(
      real('convert', rtrace, folder),
      /a-folder\.json: is a folder, not a file; refusing to replace it/,
    );
    expect(statSync(folder).isDirectory()).toBe(true);
    noPartials();
  });

  it('refuses a symbolic link and leaves its target alone', () => {
    const target = at('target.json');
    writeFileSync(target, 'keep me');
    const link = at('link.json');
    symlinkSync(target, link);
    refused(real('convert', rtrace, link), /link\.json: is a symbolic link; refusing to write through it/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    noPartials();
  });

  it('says a missing folder in one line', () => {
    refused(
      real('convert', rtrace, at('no/such/folder/out.json')),
      /out\.json: cannot write \(its folder does not exist\)/,
    );
  });

  it('replaces a regular file whole, and never writes through a link planted where a temporary name was', () => {
    // The temporary file's name is unpredictable and created exclusively (O_EXCL | O_NOFOLLOW): a link
    // planted at the old name `OUT.partial-PID` is not followed.
    const out = at('out.json');
    writeFileSync(out, 'old');
    const victim = at('victim.txt');
    writeFileSync(victim, 'untouched');
    const r = spawnSync('npx', ['tsx', '-e', plantedLinkScript(out, victim)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('real-trace');
    expect(
      readdirSync(dir).filter((f) => f.startsWith('out.json.partial') || f.startsWith('.out.json.partial')),
    ).toEqual([`out.json.partial-${r.stdout.trim()}`]);
  });
});

/** Plants a link at `OUT.partial-PID` (the old temporary name) to `victim`, then converts to OUT in-process. */
function plantedLinkScript(out: string, victim: string): string {
  return `
    import { symlinkSync } from 'node:fs';
    import { readTraceFile } from './src/cli/trace-file';
    import { writeTraceFile } from './src/cli/trace-out';
    symlinkSync(${JSON.stringify(victim)}, ${JSON.stringify(out)} + '.partial-' + process.pid);
    writeTraceFile(${JSON.stringify(out)}, readTraceFile(${JSON.stringify(HAND)}), { form: 'json' });
    console.log(process.pid);
  `;
}

describe('a binary trace is checked from its first bytes, as the app does', () => {
  /** A sparse file of `size` bytes starting with `head` (no disk is used for the rest). */
  function sparse(name: string, head: Uint8Array, size: number): string {
    const path = at(name);
    const fd = openSync(path, 'w');
    writeSync(fd, head);
    closeSync(fd);
    truncateSync(path, size);
    return path;
  }
  const prefix = (version: number, headerLength: number) => {
    const b = Buffer.alloc(16);
    Buffer.from([0x89, 0x52, 0x54, 0x52, 0x41, 0x43, 0x45, 0x0a]).copy(b);
    b.writeUInt32LE(version, 8);
    b.writeUInt32LE(headerLength, 12);
    return b;
  };

  it('refuses a 3 GiB file of an unknown container version without reading it (CPU < 1 s, < 300 MB)', () => {
    const big = sparse('big-v7.rtrace', prefix(7, 100), 3 * 1024 ** 3);
    refused(real('score', big), /big-v7\.rtrace: binary container version 7; this reader knows version 1$/m);
    expectBounded(measured('score', big), 1000, 300);
  });

  it('refuses a 3 GiB file whose header is not JSON without reading its rows', () => {
    const head = Buffer.concat([prefix(1, 40), Buffer.from('{"format": "real-trace", "oops'.padEnd(40))]);
    const big = sparse('big-header.rtrace', head, 3 * 1024 ** 3);
    refused(real('score', big), /big-header\.rtrace: header: not JSON/);
    expectBounded(measured('score', big), 1000, 300);
  });

  it('names the file in every container error of score, convert and eval-traces', () => {
    const cut = at('cut.rtrace');
    writeFileSync(cut, readFileSync(rtrace).subarray(0, 40));
    refused(real('score', cut), /^real: \S*cut\.rtrace: truncated: /);
    refused(real('convert', cut, at('x.json')), /^real: \S*cut\.rtrace: truncated: /);
    expect(existsSync(at('x.json'))).toBe(false);
    const set = at('set');
    mkdirSync(set);
    execFileSync('cp', [cut, join(set, 'a.rtrace')]);
    refused(real('eval-traces', set), /^real: \S*a\.rtrace: truncated: /);
  });
});
