/**
 * `@scrutin/shared/rctab`: RCTab's formats (configs, cast vote records in CDF JSON, ES&S and
 * generic CSV, round-by-round reports) and the CVR exports. Kept out of `.` and `./node`: its
 * spreadsheet reader (exceljs) is large and only the central side needs it.
 */
export * from './config.ts';
export * from './cvr.ts';
export * from './cdf_json.ts';
export * from './ess.ts';
export * from './report.ts';
export * from './cdf_export.ts';
export * from './generic_csv.node.ts';
export * from './ess_xlsx.node.ts';
export * from './load.node.ts';
