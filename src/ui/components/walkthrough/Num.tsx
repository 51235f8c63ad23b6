import { fmt } from './use-explained';

/** A number the walkthrough shows: rounded on screen, exact in data-value (the tests compare it with the scorer's). */
export function Num({ value, testId }: { value: number; testId?: string }) {
  return (
    <span className="num" data-value={String(value)} data-testid={testId}>
      {fmt(value)}
    </span>
  );
}
