import { useEffect, useState } from 'react';
import { runImage } from '../inference-client';
import { SAMPLES_BASE, loadSamples, type Sample } from '../samples';
import { patchRun, useAppStore } from '../store';

const SAMPLES = SAMPLES_BASE;

/** Run the model on a file, a dropped or pasted image, or a shipped sample. */
export function runBlob(blob: Blob, name: string, maskUrl: string | null = null) {
  const url = URL.createObjectURL(blob);
  return runImage({ kind: 'blob', blob, name }, url, name, maskUrl);
}

export async function runSample(s: Sample) {
  const res = await fetch(SAMPLES + s.image);
  if (!res.ok) return patchRun({ error: `could not fetch ${s.image} (HTTP ${res.status})` });
  await runBlob(await res.blob(), s.id, s.mask ? SAMPLES + s.mask : null);
}

export function SamplePicker() {
  const [samples, setSamples] = useState<Sample[]>([]);
  const ready = useAppStore((s) => s.model.status === 'ready');
  const running = useAppStore((s) => s.run.status === 'running');
  useEffect(() => {
    void loadSamples().then((list) => {
      // A few of each kind, one click away.
      const normal = list.filter((s) => s.label === 0).slice(0, 4);
      const defective = list.filter((s) => s.label === 1).slice(0, 8);
      setSamples([...defective, ...normal]);
    });
  }, []);
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const f = Array.from(e.clipboardData?.files ?? []).find((x) => x.type.startsWith('image/'));
      if (f && ready) void runBlob(f, 'pasted image');
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [ready]);
  const disabled = !ready || running;
  return (
    <section
      className="panel"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const f = e.dataTransfer.files[0];
        if (f && !disabled) void runBlob(f, f.name);
      }}
    >
      <h2>Image</h2>
      <div className="samples" data-testid="samples">
        {samples.map((s) => (
          <button
            key={s.id}
            className={`sample ${s.label ? 'defective' : 'normal'}`}
            // While a run streams the buttons stay focusable (aria-disabled): a keyboard user who
            // started it keeps their place instead of dropping to the page's start.
            disabled={!ready}
            aria-disabled={running || undefined}
            onClick={() => !running && void runSample(s)}
            title={s.label ? `${s.texture}: ${s.defect}, ${s.location}` : `${s.texture}: normal`}
            data-testid="samples.item"
            data-id={s.id}
          >
            <img src={SAMPLES + s.image} alt={s.id} width={56} height={56} />
            <span>{s.label ? s.defect : 'normal'}</span>
          </button>
        ))}
      </div>
      <label className="row">
        Your image (or drop / paste one){' '}
        <input
          type="file"
          accept="image/*"
          disabled={disabled}
          onChange={(e) => e.target.files?.[0] && void runBlob(e.target.files[0], e.target.files[0].name)}
          data-testid="image.upload"
        />
      </label>
    </section>
  );
}
