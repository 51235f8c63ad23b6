/** A ground-truth mask image to 0/1 per pixel: white (red channel > 127) is anomalous. */
export function maskFromRgba(data: ArrayLike<number>, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = data[i * 4] > 127 ? 1 : 0;
  return out;
}
