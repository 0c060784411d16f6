// A data table with real <th> headers. Rows can be activated (click or Enter) to open details.
import type { KeyboardEvent, ReactNode } from 'react';

export interface Column<T> {
  header: ReactNode;
  /** Hidden header text for screen readers when the visible header is empty (e.g. "Actions"). */
  srHeader?: string;
  cell: (row: T) => ReactNode;
  align?: 'left' | 'right';
  width?: string;
  className?: string;
  /** Keep the cell on one line (short values: names, times, addresses, badges). */
  nowrap?: boolean;
}

interface TableProps<T> {
  columns: Array<Column<T> | false | null | undefined>;
  rows: T[];
  rowKey: (row: T) => string;
  /** Makes rows focusable; Enter or a click calls it. */
  onActivate?: (row: T) => void;
  rowLabel?: (row: T) => string;
  rowClassName?: (row: T) => string | undefined;
  caption?: string;
  className?: string;
}

export function Table<T>({ columns, rows, rowKey, onActivate, rowLabel, rowClassName, caption, className }: TableProps<T>) {
  const cols = columns.filter((c): c is Column<T> => Boolean(c));
  const onKey = (e: KeyboardEvent<HTMLTableRowElement>, row: T) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate?.(row);
    }
  };
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {cols.map((c, i) => (
              <th key={i} scope="col" style={{ width: c.width, textAlign: c.align }}>
                {c.header}
                {c.srHeader && <span className="sr-only">{c.srHeader}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={rowKey(row)}
              className={[onActivate ? 'row-interactive' : '', rowClassName?.(row) ?? ''].filter(Boolean).join(' ') || undefined}
              tabIndex={onActivate ? 0 : undefined}
              aria-label={rowLabel?.(row)}
              onClick={
                onActivate
                  ? (e) => {
                      if ((e.target as HTMLElement).closest('button, a, input, select, textarea')) return;
                      onActivate(row);
                    }
                  : undefined
              }
              onKeyDown={onActivate ? (e) => onKey(e, row) : undefined}
            >
              {cols.map((c, i) => (
                <td key={i} style={{ textAlign: c.align }} className={[c.className, c.nowrap ? 'nowrap' : ''].filter(Boolean).join(' ') || undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
