import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, type ReactNode } from 'react';

/**
 * A table that renders only the rows in view (@tanstack/react-virtual): 20,000 stations
 * scroll as smoothly as 20. Columns are a CSS grid template shared by header and rows.
 *
 * Header and rows sit in one scrolling box, named after the table and reachable by keyboard:
 * when the columns need more room than the screen gives (a 768 px tablet), the table scrolls
 * sideways inside its box, its header scrolling with it, instead of cutting its last columns.
 * An empty table says so in words (`empty`) rather than showing a header over nothing.
 */
export interface Column<T> {
  readonly key: string;
  readonly header: ReactNode;
  /** A CSS grid track: a length in px, or minmax(<px>, <fr>) for a column that takes the room left. */
  readonly width: string;
  readonly align?: 'left' | 'right' | 'center';
  readonly cell: (row: T) => ReactNode;
}

/** Room for the header row above the rows' height, in px: two lines of its small capitals. */
const HEADER_ROOM = 56;

/** The narrowest the columns can be, in px: below it the table scrolls sideways. */
export function minimumWidth(columns: readonly Pick<Column<unknown>, 'width'>[]): number {
  return columns.reduce((sum, c) => {
    const px = /^(?:minmax\()?\s*(\d+(?:\.\d+)?)px/.exec(c.width);
    return sum + (px?.[1] === undefined ? 0 : Number(px[1]));
  }, 0);
}

export function VirtualTable<T>(props: {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly height: number;
  readonly label: string;
  /** What the table says when it has no row. */
  readonly empty?: ReactNode;
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
  if (props.rows.length === 0 && props.empty !== undefined)
    return (
      <p className="vtable-empty muted" data-testid={props.testId === undefined ? undefined : `${props.testId}-empty`}>
        {props.empty}
      </p>
    );
  return (
    <div className="vtable" data-testid={props.testId}>
      <div
        ref={scroller}
        className="vtable-scroll"
        role="region"
        aria-label={props.label}
        tabIndex={0}
        // The rows up to the height asked for, and the header (up to two lines) above them.
        style={{ maxHeight: props.height + HEADER_ROOM }}
      >
        <div role="table" aria-label={props.label} aria-rowcount={props.rows.length + 1} style={{ minWidth: minimumWidth(props.columns) }}>
          <div className="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
            {props.columns.map((c) => (
              <div key={c.key} role="columnheader" className={`cell ${c.align ?? 'left'}`}>
                {c.header}
              </div>
            ))}
          </div>
          <div role="rowgroup" className="vtable-body" style={{ height: virtual.getTotalSize() }}>
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
    </div>
  );
}
