import type { CellValue, Row } from 'exceljs';
import { err, type Result } from '../result.ts';
import { cvrError, type CastVoteRecord, type CvrError } from './cvr.ts';
import { readEssRows, type EssOptions, type SheetRow } from './ess.ts';

/**
 * Reads an ES&S `.xlsx` CVR workbook: the first worksheet (in workbook order), every row
 * the sheet stores. Stored rows without values count too — RCTab reads them as ballots that
 * rank nobody — so rows are taken with `findRow` over the stored row numbers: `eachRow`
 * skips stored empty rows (losing those ballots), and `eachRow({ includeEmpty: true })`
 * invents rows the file doesn't store. exceljs's streaming reader would use less memory,
 * but once, on a heavily loaded machine, it returned a sheet with no values (that workbook
 * stores its sheet before its shared strings, which the streaming reader spools through a
 * temporary file); we could not reproduce it on demand, so the whole-file reader is used.
 */
export async function readEssXlsx(path: string, options: EssOptions): Promise<Result<readonly CastVoteRecord[], CvrError>> {
  let rows: SheetRow[];
  try {
    rows = await readFirstSheetRows(path);
  } catch (error: unknown) {
    // exceljs signals unreadable files (missing, not a zip, bad XML) by throwing.
    return err(cvrError(options.file, '', `not a readable .xlsx workbook: ${error instanceof Error ? error.message : String(error)}`));
  }
  return readEssRows(rows, options);
}

/** The stored rows of the workbook's first worksheet, as displayed text. */
async function readFirstSheetRows(path: string): Promise<SheetRow[]> {
  // Loaded when a workbook is read, not with the module: exceljs is large, and the API and the
  // validators, which import the tabulator, never read one (it cost them a third of a second
  // and tens of MB at start-up).
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  const sheet = workbook.worksheets[0];
  if (sheet === undefined) {
    throw new Error('the workbook has no worksheet');
  }
  const rows: SheetRow[] = [];
  const lastStored = sheet.lastRow?.number ?? 0;
  for (let number = 1; number <= lastStored; number++) {
    const row = sheet.findRow(number);
    if (row !== undefined) {
      rows.push(toSheetRow(row));
    }
  }
  return rows;
}

function toSheetRow(row: Row): SheetRow {
  const texts = new Map<number, string>();
  row.eachCell({ includeEmpty: false }, (cell, column) => {
    const text = cellText(cell.value).trim();
    if (text !== '') {
      texts.set(column, text);
    }
  });
  return { number: row.number, cell: (column) => texts.get(column) ?? null, lastColumn: row.cellCount };
}

/** What the cell displays, as RCTab reads it: a General-format 1 reads "1". */
function cellText(value: CellValue): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if ('richText' in value) {
    return value.richText.map((run) => run.text).join('');
  }
  if ('error' in value) {
    return value.error;
  }
  if ('hyperlink' in value) {
    return value.text;
  }
  if ('result' in value) {
    return value.result === undefined ? '' : cellText(value.result);
  }
  return '';
}
