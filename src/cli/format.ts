// Plain-text output for people: padded columns and ISO times. Scripts use --json instead.

/** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/**
 * An instant as ISO 8601 in UTC, whatever the server sent (epoch milliseconds or a date string);
 * `-` for never.
 */
export function formatTime(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value !== 'number' && typeof value !== 'string') return String(value);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** A cell from any value: `-` when absent. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

export function onOff(value: unknown): string {
  return value === true ? 'on' : value === false ? 'off' : '-';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
