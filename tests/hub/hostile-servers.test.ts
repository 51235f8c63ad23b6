import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipBomb, serveHub, type HubServer } from '../../e2e/hub-server';
import { HttpRepoSource } from '../../src/workers/hub/http-source';
import { planRepo } from '../../src/workers/hub/plan';
import { cpuNow, HANG_MS } from '../timing';
import { sameBytes, seededBytes, tinyRepo } from './repo-fixture';
import { refusal } from './refusal';

/**
 * The hub's HTTP path against servers that never answer, trickle a byte at
 * a time, stall half way, or send a gzip bomb (issue 19, item 3): every
 * read is bounded in size while it reads and in time, and says why in one
 * line naming the file. Small time limits here (the app's are 30 s).
 */
const REPO = 'owner/hostile';
const BIG = seededBytes(2 ** 20, 5);
const T = { answerMs: 300, stallMs: 300, smallFileMs: 800 };
let hub: HubServer;
beforeAll(async () => {
  hub = await serveHub({ repos: { [REPO]: { ...tinyRepo({ dtypes: ['quantized'] }), 'big.bin': BIG } } });
});
afterAll(() => hub?.close());
const source = (timeouts = T) => HttpRepoSource.fromHub(REPO, { base: hub.url, timeouts });
const where = () => `${hub.url}/${REPO}/resolve/main/`;
const plan = (timeouts = T) => planRepo(source(timeouts), { device: { backend: 'wasm' } });

/** The refusal's message and how long it took. */
async function timed(p: Promise<unknown>) {
  const t0 = performance.now();
  const message = await refusal(p);
  return { message, ms: performance.now() - t0 };
}

describe('hostile hub servers', () => {
  it('gives up on a server that never answers, within its time limit', async () => {
    hub.misbehave(`${REPO}/config.json`, { kind: 'silent' });
    try {
      const { message, ms } = await timed(plan());
      expect(message).toBe(`config.json: ${where()} did not answer within 300 ms`);
      expect(ms).toBeLessThan(HANG_MS);
    } finally {
      hub.misbehave(`${REPO}/config.json`, null);
    }
  });

  it('gives up on a small file sent a byte at a time, within the small-file limit', async () => {
    hub.misbehave(`${REPO}/config.json`, { kind: 'trickle', everyMs: 100 });
    try {
      const { message, ms } = await timed(plan());
      expect(message).toBe(`config.json: ${where()} did not send it whole within 800 ms`);
      expect(ms).toBeLessThan(HANG_MS);
    } finally {
      hub.misbehave(`${REPO}/config.json`, null);
    }
  });

  it('gives up on a download that stalls, keeps what arrived, and resumes from there', async () => {
    hub.misbehave(`${REPO}/big.bin`, { kind: 'stall', afterBytes: 1000 });
    const src = source();
    try {
      expect(await refusal(src.read('big.bin'))).toBe(
        `big.bin: the transfer from ${where()} stalled: nothing arrived for 300 ms`,
      );
    } finally {
      hub.misbehave(`${REPO}/big.bin`, null);
    }
    const n = hub.requests.length;
    const bytes = await src.read('big.bin');
    expect(sameBytes(bytes, BIG)).toBe(true);
    expect(
      hub.requests
        .slice(n)
        .filter((r) => r.method === 'GET')
        .map((r) => r.range),
    ).toEqual(['bytes=1000-']);
  });

  it('stops a gzip bomb as config.json at its cap: decoded bytes are counted, under 2 s of CPU and 300 MB', async () => {
    // 1 MB on the wire, 1 GiB once inflated.
    const bomb = gzipBomb(1024);
    expect(bomb.length).toBeLessThan(1.1e6);
    // The server builds its bomb here, before the clock starts (it runs in this process).
    hub.misbehave(`${REPO}/config.json`, { kind: 'gzip-bomb', bytes: 2 ** 30 });
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const c0 = cpuNow();
      // Time limits out of the way: the cap must stop it, not the clock.
      const { message } = await timed(plan({ answerMs: 10_000, stallMs: 10_000, smallFileMs: 10_000 }));
      const cpuMs = cpuNow() - c0;
      expect(message).toBe(
        'config.json: sent more than the 16777216 bytes it may have (counted as they arrived, decompressed); refused',
      );
      expect(cpuMs, 'CPU ms').toBeLessThan(2000);
      expect((peak - rss0) / 2 ** 20, 'RSS growth MB').toBeLessThan(300);
      console.log(
        `gzip bomb: refused after ${cpuMs.toFixed(0)} ms of CPU (the server's sending included), RSS +${((peak - rss0) / 2 ** 20).toFixed(0)} MB`,
      );
    } finally {
      clearInterval(sample);
      hub.misbehave(`${REPO}/config.json`, null);
    }
  });

  it('stops a config.json whose GET sends 500 MB (HEAD said a few hundred bytes) at its cap, under 2 s of CPU and 300 MB', async () => {
    hub.misbehave(`${REPO}/config.json`, { kind: 'flood', bytes: 500e6 });
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const c0 = cpuNow();
      const { message } = await timed(plan({ answerMs: 10_000, stallMs: 10_000, smallFileMs: 10_000 }));
      const cpuMs = cpuNow() - c0;
      expect(message).toBe(
        'config.json: sent more than the 16777216 bytes it may have (counted as they arrived, decompressed); refused',
      );
      expect(cpuMs, 'CPU ms').toBeLessThan(2000);
      expect((peak - rss0) / 2 ** 20, 'RSS growth MB').toBeLessThan(300);
      console.log(
        `500 MB config.json: refused after ${cpuMs.toFixed(0)} ms of CPU (the server's sending included), RSS +${((peak - rss0) / 2 ** 20).toFixed(0)} MB`,
      );
    } finally {
      clearInterval(sample);
      hub.misbehave(`${REPO}/config.json`, null);
    }
  });

  it('stops at once when the user aborts, while the server is silent', async () => {
    hub.misbehave(`${REPO}/config.json`, { kind: 'silent' });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const t0 = performance.now();
    try {
      await expect(
        planRepo(source({ answerMs: 60_000, stallMs: 60_000, smallFileMs: 60_000 }), {
          device: { backend: 'wasm' },
          signal: stop.signal,
        }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      hub.misbehave(`${REPO}/config.json`, null);
    }
  });
});
