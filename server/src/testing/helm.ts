import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as renderGoTemplate } from '@evertdespiegeleer/go-template';
import { Ajv } from 'ajv';
import { parseAllDocuments, parse } from 'yaml';

/**
 * Renders deploy/helm/scrutin as `helm template` would, for tests on machines without helm
 * (it is neither a Debian nor an npm package). It is faithful because the chart uses only Go
 * text/template's own functions (no Sprig, no `include`, no `.Files`), and the template engine
 * here is Go's text/template itself, compiled to WebAssembly (@evertdespiegeleer/go-template).
 * Like helm it merges the values over values.yaml (maps merged key by key, anything else
 * replaced), validates them against values.schema.json, gives the templates `.Values`,
 * `.Release` and `.Chart`, renders every template that does not start with `_` with the
 * `define`s of all of them, and splits the output into YAML documents, dropping empty ones.
 * One difference: a missing key is an error here (helm's strict lint), not an empty value.
 */
export interface RenderOptions {
  readonly releaseName?: string;
  readonly namespace?: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

export type Manifest = Record<string, unknown> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
};

export type RenderResult =
  | { readonly ok: true; readonly manifests: readonly (Manifest & { readonly source: string })[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export const CHART = join(import.meta.dirname, '../../../deploy/helm/scrutin');

export function chartFiles(): { readonly name: string; readonly text: string }[] {
  const dir = join(CHART, 'templates');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.tpl'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Helm's coalescing of values: maps merge recursively, a null removes the key, the rest replaces. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const keys = new Set([...Object.keys(base), ...Object.keys(override)]);
  return Object.fromEntries(
    [...keys].flatMap((key) => {
      const value = override[key];
      if (value === null) return [];
      return [[key, key in override ? mergeValues(base[key], value) : base[key]]];
    }),
  );
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateValues(values: unknown): string[] {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

export async function renderChart(options: RenderOptions = {}): Promise<RenderResult> {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
  const values = mergeValues(parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')), options.values ?? {});
  const errors = validateValues(values);
  if (errors.length > 0) return { ok: false, errors };
  const context = {
    Values: values,
    Release: {
      Name: options.releaseName ?? 'scrutin',
      Namespace: options.namespace ?? 'elections',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const files = chartFiles();
  const definesOutside = (name: string) =>
    files
      .filter((f) => f.name !== name)
      .flatMap((f) => defineBlocks(f.text))
      .join('');
  const manifests: (Manifest & { source: string })[] = [];
  for (const file of files) {
    if (file.name.startsWith('_')) continue;
    // The template's own text, then every `define` of the chart (which print nothing).
    const rendered = await renderGoTemplate(file.text + definesOutside(file.name), context);
    for (const doc of parseAllDocuments(rendered)) {
      if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `${file.name}: ${e.message}`) };
      const json: unknown = doc.toJS();
      if (json === null || json === undefined) continue;
      manifests.push({ ...(json as Manifest), source: file.name });
    }
  }
  return { ok: true, manifests };
}

/**
 * The `{{ define }} … {{ end }}` blocks of a template file, found by following the actions'
 * nesting (define, if, range, with, block open; end closes), as Go's parser pairs them.
 */
export function defineBlocks(text: string): string[] {
  const blocks: string[] = [];
  let depth = 0;
  let start = -1;
  for (const action of text.matchAll(/\{\{-?\s*(\/\*[\s\S]*?\*\/|[a-z]+)[\s\S]*?-?\}\}/g)) {
    const word = action[1] ?? '';
    if (word.startsWith('/*')) continue;
    if (['define', 'if', 'range', 'with', 'block'].includes(word)) {
      if (word === 'define' && depth === 0) start = action.index;
      depth += 1;
    } else if (word === 'end') {
      depth -= 1;
      if (depth === 0 && start >= 0) {
        blocks.push(text.slice(start, action.index + action[0].length));
        start = -1;
      }
    }
  }
  return blocks;
}

/** What the templates' `define`s print outside any template: nothing, or they would leak into every file. */
export async function renderHelpersAlone(): Promise<string> {
  const blocks = chartFiles().flatMap((f) => defineBlocks(f.text));
  return renderGoTemplate(blocks.join(''), { Values: {}, Release: {}, Chart: {} });
}
