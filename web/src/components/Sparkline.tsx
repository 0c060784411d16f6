// A tiny inline SVG line chart of a series (oldest first), with a text alternative.
interface SparklineProps {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}

export function Sparkline({ values, label, width = 140, height = 30 }: SparklineProps) {
  const max = Math.max(1, ...values);
  const n = values.length;
  const step = n > 1 ? width / (n - 1) : width;
  const y = (v: number) => height - 2 - (v / max) * (height - 4);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`);
  const total = values.reduce((a, b) => a + b, 0);
  const latest = n ? values[n - 1]! : 0;
  const text = `${label}: ${total} in total, peak ${Math.max(0, ...values)} per minute, latest ${latest} per minute`;
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={text}>
      <title>{text}</title>
      <line x1="0" x2={width} y1={height - 1.5} y2={height - 1.5} className="sparkline-base" />
      {n > 1 && (
        <>
          <polygon className="sparkline-area" points={`0,${height} ${points.join(' ')} ${((n - 1) * step).toFixed(1)},${height}`} />
          <polyline className="sparkline-line" points={points.join(' ')} />
        </>
      )}
    </svg>
  );
}
