import { useEffect, useMemo, useState } from 'react';
import { keptTokens, mapAfter } from '../../../real';
import { valueRange } from '../../draw-map';
import { selectToken } from '../../store';
import { MapCanvas } from '../MapCanvas';
import { Num } from './Num';
import { tokenText } from '../../token-words';
import type { Explained } from './use-explained';

/** Step 6: the weights (Eq. 4) and the ReAL map (Eq. 5) built token by token, on one colour scale (the finished map's). */
export function StepMap({ ex }: { ex: Explained }) {
  const { trace, prepared, score, settings } = ex;
  const kept = useMemo(() => keptTokens(score), [score]);
  const [shown, setShown] = useState<number | null>(null);
  const count = Math.min(shown ?? kept.length, kept.length);
  const map = useMemo(() => mapAfter(prepared, kept, count), [prepared, kept, count]);
  const range = useMemo(() => valueRange(score.map), [score.map]);
  // "Build it": the tokens added one after another (in about six seconds at most), for a class to watch.
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!playing) return;
    const by = Math.max(1, Math.ceil(kept.length / 12));
    const timer = setInterval(() => {
      setShown((n) => {
        const next = Math.min(kept.length, (n ?? 0) + by);
        if (next >= kept.length) setPlaying(false);
        return next;
      });
    }, 500);
    return () => clearInterval(timer);
  }, [playing, kept.length]);
  if (kept.length === 0)
    return (
      <p className="warning" data-testid="explain.none-kept">
        No token passed both thresholds, so every weight is 0 and the ReAL map is all zeros: the paper&apos;s
        failure case (d).
      </p>
    );
  return (
    <div className="step-two">
      <figure>
        <MapCanvas map={map} size={300} testId="explain.build-map" range={range} />
        <figcaption>
          <label>
            tokens added:{' '}
            <input
              type="range"
              min={0}
              max={kept.length}
              value={count}
              onChange={(e) => setShown(Number(e.target.value))}
              data-testid="explain.build-count"
              aria-valuetext={`${count} of ${kept.length} kept tokens`}
            />{' '}
            {count} of {kept.length}
          </label>{' '}
          <button
            onClick={() => {
              if (!playing) setShown(0);
              setPlaying(!playing);
            }}
            aria-pressed={playing}
            data-testid="explain.build-play"
          >
            {playing ? 'Stop' : 'Build it'}
          </button>
          <span className="hint"> (one colour scale, the finished map&apos;s)</span>
        </figcaption>
      </figure>
      <div>
        <p>
          Each kept token is weighted w = α·Ŝ_T + β·Ŝ_I (α = {settings.alpha}, β = {settings.beta}); every
          other token gets 0. The ReAL map is Σ w_r·A_r over the kept tokens, in the order they were written:
        </p>
        <table className="working" data-testid="explain.weights">
          <thead>
            <tr>
              <th scope="col">token</th>
              <th scope="col">Ŝ_T</th>
              <th scope="col">Ŝ_I</th>
              <th scope="col">w</th>
            </tr>
          </thead>
          <tbody>
            {kept.map((k, j) => {
              const t = score.tokens[k.r];
              return (
                <tr
                  key={k.index}
                  className={j < count ? 'added' : 'pending'}
                  data-testid="explain.weight"
                  data-index={k.index}
                >
                  <td>
                    <button className="linklike" onClick={() => selectToken(k.index)}>
                      {tokenText(trace, k.index)}
                    </button>
                  </td>
                  <td>
                    <Num value={t.sTNorm} />
                  </td>
                  <td>
                    <Num value={t.sINorm} />
                  </td>
                  <td>
                    <Num value={k.weight} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
