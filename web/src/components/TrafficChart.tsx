// Calls and errors over time, drawn with uPlot; resizes with its container.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

interface TrafficChartProps {
  /** Bucket start times (Unix seconds), calls and errors per bucket. */
  times: number[];
  calls: number[];
  errors: number[];
  height?: number;
}

const css = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const legendTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const count = (_u: uPlot, v: number | null, _s: number, i: number | null) => (i == null || v == null ? '' : v.toLocaleString());

function options(width: number, height: number): uPlot.Options {
  const axis = css('--text-muted', '#667085');
  const grid = css('--border-subtle', '#eef0f4');
  const font = `12px ${css('--font-sans', 'system-ui, sans-serif')}`;
  const axisStyle: uPlot.Axis = { stroke: axis, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height,
    padding: [12, 28, 0, 4],
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
    axes: [axisStyle, { ...axisStyle, size: 52, values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? v.toLocaleString() : '')) }],
    // Away from the plot the legend shows the series names only (uPlot would show "--").
    series: [
      { label: 'Time', value: (_u, v, _s, i) => (i == null || v == null ? '' : legendTime.format(new Date(v * 1000))) },
      { label: 'Calls', value: count, stroke: css('--accent', '#2557d6'), fill: css('--accent-fill', 'rgba(37,87,214,0.10)'), width: 2, points: { show: false } },
      { label: 'Errors', value: count, stroke: css('--danger', '#c4320a'), fill: css('--danger-fill', 'rgba(196,50,10,0.08)'), width: 2, points: { show: false } },
    ],
  };
}

export function TrafficChart({ times, calls, errors, height = 260 }: TrafficChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current!;
    const plot = new uPlot(options(el.clientWidth || 600, height), [[], [], []], el);
    chart.current = plot;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth > 0) plot.setSize({ width: el.clientWidth, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [height]);

  useEffect(() => {
    chart.current?.setData([times, calls, errors]);
  }, [times, calls, errors]);

  return <div ref={box} className="chart" />;
}
