/** The shipped evaluation set (public/samples/index.json). */
export interface Sample {
  id: string;
  image: string;
  mask: string | null;
  label: 0 | 1;
  texture?: string;
  defect?: string | null;
  location?: string | null;
}

export const SAMPLES_BASE = '/samples/';

let cached: Promise<Sample[]> | null = null;

export function loadSamples(): Promise<Sample[]> {
  cached ??= fetch(`${SAMPLES_BASE}index.json`)
    .then((r) => (r.ok ? (r.json() as Promise<Sample[]>) : []))
    .catch(() => []);
  return cached;
}
