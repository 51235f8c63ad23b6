/** A byte count as people read it: 512 B, 1.4 MB, 2.38 GB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

/** A limit as it is usually given: a power of two as "2 GiB" or "128 MiB", anything else as formatBytes. */
export function formatLimit(n: number): string {
  const p = Math.log2(n);
  if (Number.isInteger(p) && p >= 20) return p >= 30 ? `${2 ** (p - 30)} GiB` : `${2 ** (p - 20)} MiB`;
  return formatBytes(n);
}
