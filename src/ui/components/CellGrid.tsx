/** A grid of cells as a small SVG image: each cell filled in its colour, or left as the background (null). */
export function CellGrid({
  fills,
  rows,
  cols,
  size,
  label,
  testId,
}: {
  fills: readonly (string | null)[];
  rows: number;
  cols: number;
  size: number;
  label: string;
  testId?: string;
}) {
  const w = size / cols;
  const h = size / rows;
  return (
    <svg
      width={size}
      height={size}
      className="support-grid"
      role="img"
      aria-label={label}
      data-testid={testId}
    >
      <rect width={size} height={size} fill="#f2f4f7" />
      {fills.map((fill, i) =>
        fill ? (
          <rect key={i} x={(i % cols) * w} y={Math.floor(i / cols) * h} width={w} height={h} fill={fill} />
        ) : null,
      )}
    </svg>
  );
}
