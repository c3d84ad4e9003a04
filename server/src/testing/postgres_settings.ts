import pg from 'pg';
import { SERVICE_URLS } from './services.ts';

/**
 * Checks postgresql.conf settings (as the deployment files set them: the Helm chart's
 * CloudNativePG Cluster, docker-compose.yml's `-c` flags) against the catalogue of a running
 * Postgres, for machines that cannot start those deployments. Each name must be a setting
 * that a configuration file may set; each value must parse as Postgres parses it for that
 * setting's type (a boolean, one of an enum's values, a number with one of Postgres's memory
 * or time units) and lie within the setting's bounds. Returns one message a wrong setting.
 */
export async function postgresSettingErrors(settings: Readonly<Record<string, string>>): Promise<string[]> {
  const client = new pg.Client({ connectionString: SERVICE_URLS.postgresAdmin });
  await client.connect();
  try {
    const { rows } = await client.query<CatalogueRow>(
      `SELECT name, vartype, unit, min_val, max_val, enumvals, context FROM pg_settings WHERE name = ANY($1::text[])`,
      [Object.keys(settings)],
    );
    const catalogue = new Map(rows.map((r) => [r.name, r]));
    return Object.entries(settings).flatMap(([name, value]) => {
      const row = catalogue.get(name);
      if (row === undefined) return [`${name}: not a Postgres setting`];
      const error = valueError(row, value);
      return error === null ? [] : [`${name} = '${value}': ${error}`];
    });
  } finally {
    await client.end();
  }
}

interface CatalogueRow {
  readonly name: string;
  readonly vartype: 'bool' | 'enum' | 'integer' | 'real' | 'string';
  readonly unit: string | null;
  readonly min_val: string | null;
  readonly max_val: string | null;
  readonly enumvals: readonly string[] | null;
  readonly context: string;
}

// Postgres's units (guc.c): memory in multiples of 1024, time in microseconds.
const MEMORY: Readonly<Record<string, number>> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME: Readonly<Record<string, number>> = { us: 1, ms: 1e3, s: 1e6, min: 60e6, h: 3600e6, d: 86400e6 };

function valueError(row: CatalogueRow, value: string): string | null {
  if (row.context === 'internal') return 'fixed when Postgres is built, it cannot be set';
  switch (row.vartype) {
    case 'bool':
      return ['on', 'off', 'true', 'false', 'yes', 'no', '1', '0'].includes(value.toLowerCase()) ? null : 'not a boolean';
    case 'enum':
      return (row.enumvals ?? []).includes(value) ? null : `not one of ${(row.enumvals ?? []).join(', ')}`;
    case 'string':
      return null;
    case 'integer':
    case 'real':
      return numberError(row, value);
  }
}

/** A number, with a unit of the setting's kind or none (then it is in the setting's own unit). */
function numberError(row: CatalogueRow, value: string): string | null {
  const match = /^(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(value.trim());
  if (match === null) return 'not a number';
  const amount = Number(match[1]);
  const unit = match[2] ?? '';
  let inSettingUnit = amount;
  if (unit !== '') {
    const base = settingUnit(row.unit);
    if (base === null) return `takes no unit, and '${unit}' was given`;
    const scale = base.table[unit];
    if (scale === undefined) return `'${unit}' is not one of ${Object.keys(base.table).join(', ')}`;
    inSettingUnit = (amount * scale) / base.size;
  }
  if (row.vartype === 'integer' && !Number.isInteger(amount) && unit === '') return 'not an integer';
  const min = Number(row.min_val);
  const max = Number(row.max_val);
  if (inSettingUnit < min || inSettingUnit > max) return `outside ${min}..${max} ${row.unit ?? ''}`.trimEnd();
  return null;
}

/** The table of units a setting's unit ('8kB', 'MB', 's', 'ms') belongs to, and its size in it. */
function settingUnit(unit: string | null): { table: Readonly<Record<string, number>>; size: number } | null {
  if (unit === null) return null;
  const match = /^(\d*)([a-zA-Z]+)$/.exec(unit);
  const count = match?.[1] === '' || match?.[1] === undefined ? 1 : Number(match[1]);
  const name = match?.[2] ?? '';
  for (const table of [MEMORY, TIME]) {
    const scale = table[name];
    if (scale !== undefined) return { table, size: count * scale };
  }
  return null;
}
