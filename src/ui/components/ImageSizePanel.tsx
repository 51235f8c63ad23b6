import {
  cappedNote,
  MAX_IMAGE_TOKEN_CAP,
  MAX_SQUARE_SIDE,
  MIN_SQUARE_SIDE,
  PAPER_SIDE,
  type SizingMode,
} from '../../workers/adapters/image-sizing';
import { patchImageSizing, useAppStore } from '../store';
import { NumberInput } from './NumberInput';

const MODES: { mode: SizingMode; label: string; title: string }[] = [
  {
    mode: 'paper',
    label: `paper (${PAPER_SIDE} × ${PAPER_SIDE})`,
    title: "the paper's protocol: the image resized to 420 × 420, then the model's own processor",
  },
  {
    mode: 'native',
    label: 'native',
    title: "the model's own sizing of the original image, its image tokens capped to fit memory",
  },
  { mode: 'square', label: 'square', title: "the image resized to N × N, then the model's own processor" },
];

/**
 * How a real model's image is sized before its processor (real-method.md,
 * "Image size"): the paper's 420 × 420 by default, the model's own sizing
 * capped to the memory plan (the cap shown, and changeable), or a square.
 * Maps are drawn and scored over the original image whichever is chosen.
 * Shown only for a real model: the demo model keeps its fixed size.
 */
export function ImageSizePanel() {
  const s = useAppStore((st) => st.imageSizing);
  const planCap = useAppStore((st) => st.model.info?.imageTokenCap);
  const last = useAppStore((st) => st.imageSizing.last);
  if (planCap === undefined) return null;
  const cap = s.cap ?? planCap;
  return (
    <section className="panel image-sizing" aria-labelledby="image-sizing-heading" data-testid="image-size">
      <h2 id="image-sizing-heading">Image size</h2>
      <div className="row" role="radiogroup" aria-label="Image size">
        {MODES.map((m) => (
          <label key={m.mode} title={m.title}>
            <input
              type="radio"
              name="image-sizing"
              value={m.mode}
              checked={s.mode === m.mode}
              data-testid={`image-size.${m.mode}`}
              onChange={() => patchImageSizing({ mode: m.mode })}
            />{' '}
            {m.label}
          </label>
        ))}
        {s.mode === 'square' && (
          <NumberInput
            value={s.side}
            min={MIN_SQUARE_SIDE}
            max={MAX_SQUARE_SIDE}
            integer
            fallback={PAPER_SIDE}
            width="5em"
            label="square side in pixels"
            testId="image-size.side"
            onChange={(side) => patchImageSizing({ side })}
          />
        )}
      </div>
      <div className="row">
        <label title="native sizing is reduced to this many image tokens; the other sizings are refused past it">
          cap{' '}
          <NumberInput
            value={cap}
            min={1}
            max={MAX_IMAGE_TOKEN_CAP}
            integer
            fallback={planCap}
            width="6em"
            testId="image-size.cap"
            onChange={(n) => patchImageSizing({ cap: n === planCap ? null : n })}
          />{' '}
          image tokens
        </label>
        {s.cap !== null && (
          <button onClick={() => patchImageSizing({ cap: null })} title="back to the memory plan's cap">
            plan's cap
          </button>
        )}
      </div>
      <p className="hint" data-testid="image-size.plan">
        This device’s cap: {planCap} image tokens (the memory plan’s, at most this model family’s conservative
        default).
      </p>
      {last?.capped && (
        <p className="note" role="status" data-testid="image-size.capped">
          {cappedNote(last)}; raise the cap above to see more.
        </p>
      )}
    </section>
  );
}
