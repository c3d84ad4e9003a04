import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

/**
 * A table that renders only the rows in view (@tanstack/react-virtual): 20,000 stations
 * scroll as smoothly as 20. Columns are a CSS grid template shared by header and rows.
 */
export interface Column<T> {
  readonly key: string;
  readonly header: ReactNode;
  readonly width: string;
  readonly align?: 'left' | 'right' | 'center';
  readonly cell: (row: T) => ReactNode;
}

export function VirtualTable<T>(props: {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly height: number;
  readonly label: string;
  readonly rowHeight?: number;
  readonly onRowClick?: (row: T) => void;
  readonly testId?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const rowHeight = props.rowHeight ?? 40;
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualiser's functions are meant to be called during render
  const virtual = useVirtualizer({
    count: props.rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const template = props.columns.map((c) => c.width).join(' ');
  return (
    <div className="vtable" role="table" aria-label={props.label} aria-rowcount={props.rows.length + 1} data-testid={props.testId}>
      <div className="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
        {props.columns.map((c) => (
          <div key={c.key} role="columnheader" className={`cell ${c.align ?? 'left'}`}>
            {c.header}
          </div>
        ))}
      </div>
      <div
        ref={scroller}
        className="vtable-body"
        style={{ height: Math.min(props.height, Math.max(rowHeight, props.rows.length * rowHeight)) }}
        tabIndex={0}
        role="rowgroup"
      >
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const row = props.rows[item.index];
            if (row === undefined) return null;
            const click = props.onRowClick;
            return (
              <div
                key={props.rowKey(row)}
                role="row"
                aria-rowindex={item.index + 2}
                className={`vtable-row${click === undefined ? '' : ' clickable'}${item.index % 2 === 1 ? ' odd' : ''}`}
                style={{ gridTemplateColumns: template, height: rowHeight, transform: `translateY(${item.start}px)` }}
                onClick={
                  click === undefined
                    ? undefined
                    : () => {
                        click(row);
                      }
                }
                onKeyDown={
                  click === undefined
                    ? undefined
                    : (e) => {
                        if (e.key === 'Enter') click(row);
                      }
                }
                tabIndex={click === undefined ? undefined : 0}
              >
                {props.columns.map((c) => (
                  <div key={c.key} role="cell" className={`cell ${c.align ?? 'left'}`}>
                    {c.cell(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
