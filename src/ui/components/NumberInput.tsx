/**
 * A number field that hands back a usable number: rounded when `integer`,
 * `fallback` for an empty, unreadable or zero entry, then kept in [min, max].
 */
export function NumberInput({
  value,
  onChange,
  min = -Infinity,
  max = Infinity,
  step,
  integer = false,
  fallback,
  width = '5em',
  testId,
  title,
  label,
}: {
  value: number | string;
  onChange: (n: number) => void;
  min?: number;
  max?: number;
  step?: number;
  integer?: boolean;
  fallback: number;
  width?: string;
  testId?: string;
  title?: string;
  /** Its accessible name, where the label around it names another control. */
  label?: string;
}) {
  return (
    <input
      type="number"
      min={Number.isFinite(min) ? min : undefined}
      max={Number.isFinite(max) ? max : undefined}
      step={step}
      value={value}
      title={title}
      aria-label={label}
      data-testid={testId}
      style={{ width }}
      onChange={(e) => {
        let n = Number(e.target.value);
        if (integer) n = Math.round(n);
        onChange(Math.min(max, Math.max(min, n || fallback)));
      }}
    />
  );
}
