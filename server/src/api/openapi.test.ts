import { readFileSync } from 'node:fs';
import { sampleElection, sampleElectionJson } from '@scrutin/shared/node';
import { SignedBatchSchema, SignedReceiptSchema } from '@scrutin/shared/protocol';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.ts';
import { migrate, postgresDatabase } from '../db/database.ts';
import { RedisDedupStore } from '../pipeline/dedup.ts';
import { testAppContext } from '../testing/app_context.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from '../testing/services.ts';
import { adminRoutes } from './admin_routes.ts';
import { createApp } from './app.ts';
import { exportsRoutes } from './exports_routes.ts';
import { buildOpenApiDocument, openApiPath, openapiRoutes } from './openapi.ts';
import { officialsRoutes } from './officials_routes.ts';
import { receiptsRoutes } from './receipts_routes.ts';
import { resultsRoutes } from './results_routes.ts';
import { routesOf } from './route_list.ts';
import { syncRoutes } from './sync_routes.ts';

/** The OpenAPI document (issue 12) against the routers it describes and the protocol's examples. */

interface Operation {
  readonly operationId: string;
  readonly parameters: readonly { name: string; in: string }[];
  readonly responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  readonly openapi: string;
  readonly info: { title: string; version: string };
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { schemas: Record<string, object>; responses: Record<string, { content: Record<string, { schema: unknown }> }> };
}

const doc = buildOpenApiDocument() as unknown as Document;
const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

let testDb: TestDatabase;
let ctx: AppContext;
const ns = testNamespace();

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = postgresDatabase(testDb.url, 2);
  await migrate(db);
  ctx = await testAppContext({
    db,
    databaseUrl: testDb.url,
    namespace: ns,
    dedup: new RedisDedupStore(SERVICE_URLS.redis, ns),
    name: 'openapi-test',
    now: () => new Date('2026-10-05T12:00:00-04:00'),
  });
});

afterAll(async () => {
  await ctx.limits.close();
  await ctx.services.close();
  await testDb.drop();
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 in shape, every operation answering the typed error body on refusal', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).not.toBe('');
    expect(operations.length).toBeGreaterThan(35);
    expect(doc.components.responses['Error']?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ErrorBody' });
    expect(doc.components.schemas['ErrorBody']).toMatchObject({ type: 'object', required: ['error'] });
    const ids = new Set<string>();
    for (const { path, op } of operations) {
      expect(ids.has(op.operationId), op.operationId).toBe(false);
      ids.add(op.operationId);
      expect(
        Object.keys(op.responses).some((s) => /^2(\d\d|XX)$/.test(s)),
        path,
      ).toBe(true);
      expect(op.responses['4XX'], path).toEqual({ $ref: '#/components/responses/Error' });
      expect(op.responses['5XX'], path).toEqual({ $ref: '#/components/responses/Error' });
      const inPath = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
      expect(
        op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
        path,
      ).toEqual(inPath);
    }
    // Every reference names a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] ?? '');
    for (const r of refs) {
      const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(r) ?? [];
      expect(kind === 'schemas' ? doc.components.schemas[name ?? ''] : doc.components.responses[name ?? ''], r).toBeDefined();
    }
  });

  it('describes exactly the routes the routers mount, with their methods and paths', () => {
    const mounted = [
      openapiRoutes(),
      syncRoutes(ctx),
      resultsRoutes(ctx),
      receiptsRoutes(ctx),
      officialsRoutes(ctx),
      exportsRoutes(ctx),
      adminRoutes(ctx),
    ]
      .flatMap(routesOf)
      .map((r) => `${r.method} ${openApiPath(r.path)}`)
      .sort();
    expect(mounted.length).toBeGreaterThan(35);
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(mounted);
  });

  it('documents the station protocol and the public results, events and receipts', () => {
    const schemaOf = (path: string, method: string, status: string, type = 'application/json') =>
      doc.paths[path]?.[method]?.responses[status]?.content?.[type]?.schema;
    expect(schemaOf('/api/v1/sync/batches', 'post', '202')).toEqual({ $ref: '#/components/schemas/BatchesResponse' });
    expect(schemaOf('/api/v1/elections/{id}/events', 'get', '2XX', 'text/event-stream')).toEqual({ $ref: '#/components/schemas/Results' });
    expect(schemaOf('/api/v1/elections/{id}/receipts/{code}', 'get', '2XX')).toEqual({ $ref: '#/components/schemas/ReceiptResponse' });
    expect(doc.paths['/api/v1/sync/status']?.['get']?.parameters.map((p) => `${p.in} ${p.name}`)).toEqual([
      'query election',
      'query station',
    ]);
    // Branded and refined strings are plain strings with their patterns.
    const status = JSON.stringify(doc.paths['/api/v1/sync/status']);
    expect(status).toContain('"pattern":"^ST-[0-9]{5,}$"');
  });

  it('validates the example batch and receipt of docs/protocol.md, and refuses a changed one', () => {
    const text = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const example = (name: string): unknown => {
      const match = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
      if (match?.[1] === undefined) throw new Error(`docs/protocol.md has no example "${name}"`);
      return JSON.parse(match[1]);
    };
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [id, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${id}`);
    const valid = (name: string, value: unknown) => {
      const validate = ajv.getSchema(`#/components/schemas/${name}`);
      if (validate === undefined) throw new Error(`no component ${name}`);
      return validate(value);
    };
    const batch = example('batch');
    const receipt = example('receipt');
    expect(SignedBatchSchema.safeParse(batch).success).toBe(true);
    expect(SignedReceiptSchema.safeParse(receipt).success).toBe(true);
    expect(valid('BatchesBody', batch)).toBe(true);
    expect(valid('BatchesResponse', receipt)).toBe(true);
    expect(valid('BatchesBody', { ...(batch as object), extra: 1 })).toBe(false);
    expect(valid('BatchesResponse', { ...(receipt as object), body: { station: 'nope' } })).toBe(false);
    // The election definition, as an admin saves it and as GET /elections/:id answers it.
    expect(valid('ElectionDefinition', sampleElectionJson())).toBe(true);
    expect(valid('ElectionDefinition', JSON.parse(JSON.stringify(sampleElection())))).toBe(true);
    expect(valid('ElectionDefinition', { ...(sampleElectionJson() as object), stations: 'none' })).toBe(false);
  });

  it('is served publicly at GET /api/v1/openapi.json', async () => {
    const res = await request(createApp(ctx)).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
