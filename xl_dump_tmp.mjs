import ExcelJS from 'exceljs';
const f = process.argv[2]; const lim = Number(process.argv[3] ?? 30);
const reader = new ExcelJS.stream.xlsx.WorkbookReader(f, { sharedStrings: 'cache', worksheets: 'emit', hyperlinks: 'ignore', styles: 'ignore', entries: 'emit' });
let n=0;
for await (const wsr of reader) { for await (const row of wsr) { if (n++ < lim) console.log(row.number, JSON.stringify(row.values)); } break; }
