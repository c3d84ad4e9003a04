import { Router } from 'express';
import { z } from 'zod';
import { ElectionDefinitionSchema } from '@scrutin/shared';
import { CONSOLE_API, ErrorBodySchema, ResultsSchema, type Endpoint } from '@scrutin/shared/api';
import { SealedBatchExportSchema, SignedBatchExportSchema, SYNC_ENDPOINTS, type ProtocolEndpoint } from '@scrutin/shared/protocol';

/**
 * The OpenAPI 3.1 document of the whole `/api/v1` HTTP API (issue 12), built from the zod
 * schemas both sides already use: the console's, officials' and public endpoints of
 * `CONSOLE_API`, and the station protocol's `SYNC_ENDPOINTS` (docs/protocol.md). Served at
 * `GET /api/v1/openapi.json`; openapi.test.ts keeps it equal to the routers.
 */

/**
 * What the contract leaves `unknown` because the server parses it itself (with its own
 * errors), described here by the schema the server parses it with.
 */
const PARSED_BY_SERVER: Readonly<Record<string, { readonly body?: z.ZodType; readonly response?: z.ZodType }>> = {
  saveElection: { body: ElectionDefinitionSchema },
  batchVerification: { body: z.union([SealedBatchExportSchema, SignedBatchExportSchema]) },
};

/** This document's own route. */
export const OPENAPI_PATH = '/openapi.json';

type JsonObject = Record<string, unknown>;

/** `/elections/:id/receipts/:code` → `/elections/{id}/receipts/{code}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z]+)/g, '{$1}');
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Builds the document. Pure: the same endpoints give the same document. */
export function buildOpenApiDocument(
  api: Readonly<Record<string, Endpoint>> = CONSOLE_API,
  protocol: Readonly<Record<string, ProtocolEndpoint>> = SYNC_ENDPOINTS,
): JsonObject {
  // Every schema an operation names becomes a component, named once (a schema shared by two
  // endpoints keeps its first name); zod writes them with references between components.
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  const nameOf = (schema: z.ZodType, name: string): string => {
    const known = names.get(schema);
    if (known !== undefined) return known;
    names.set(schema, name);
    registry.add(schema, { id: name });
    return name;
  };
  nameOf(ErrorBodySchema, 'ErrorBody');
  nameOf(ResultsSchema, 'Results');
  nameOf(ElectionDefinitionSchema, 'ElectionDefinition');

  const paths: Record<string, Record<string, JsonObject>> = {};
  const operations: { key: string; endpoint: Endpoint; status: string; summary?: string; stream?: boolean }[] = [
    ...Object.entries(protocol).map(([key, e]) => ({ key, endpoint: e, status: String(e.status), summary: e.summary })),
    ...Object.entries(api).map(([key, e]) => ({
      key,
      endpoint: { ...e, ...(api === CONSOLE_API ? PARSED_BY_SERVER[key] : undefined) },
      status: '2XX',
      stream: key === 'events',
    })),
  ];
  const queries: { operation: JsonObject; name: string }[] = [];

  for (const { key, endpoint, status, summary, stream } of operations) {
    const parameters: JsonObject[] = [...endpoint.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const operation: JsonObject = { operationId: key, ...(summary === undefined ? {} : { summary }) };
    if (endpoint.role !== undefined) {
      operation['security'] = [{ session: [] }];
      operation['x-scrutin-role'] = endpoint.role;
    }
    if (endpoint.query !== undefined) queries.push({ operation, name: nameOf(endpoint.query, `${capitalised(key)}Query`) });
    if (endpoint.body !== undefined) {
      operation['requestBody'] = {
        required: true,
        content: { 'application/json': { schema: ref(nameOf(endpoint.body, `${capitalised(key)}Body`)) } },
      };
    }
    const success: JsonObject = stream
      ? {
          description: 'A server-sent event stream: `results` events whose data is the Results JSON, at most one a second.',
          content: { 'text/event-stream': { schema: ref('Results') } },
        }
      : endpoint.response !== undefined
        ? {
            description: 'Success.',
            content: { 'application/json': { schema: ref(nameOf(endpoint.response, `${capitalised(key)}Response`)) } },
          }
        : { description: 'Success: a file download.', content: { 'application/octet-stream': { schema: { type: 'string' } } } };
    operation['parameters'] = parameters;
    operation['responses'] = {
      [status]: success,
      '4XX': { $ref: '#/components/responses/Error' },
      '5XX': { $ref: '#/components/responses/Error' },
    };
    const path = openApiPath(`/api/v1${endpoint.path}`);
    paths[path] = { ...paths[path], [endpoint.method.toLowerCase()]: operation };
  }
  paths[openApiPath(`/api/v1${OPENAPI_PATH}`)] = {
    get: {
      operationId: 'openapi',
      summary: 'This document.',
      parameters: [],
      responses: {
        '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } },
        '4XX': { $ref: '#/components/responses/Error' },
        '5XX': { $ref: '#/components/responses/Error' },
      },
    },
  };

  // Input shapes (what a client sends and what the JSON carries): transforms are described by
  // what they accept, refinements are dropped, brands are plain strings with their patterns.
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const components: Record<string, JsonObject> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
    components[name] = rest;
  }
  // Query parameters: one parameter per property of the query schema.
  for (const { operation, name } of queries) {
    const schema = components[name] ?? {};
    const properties = (schema['properties'] ?? {}) as Record<string, JsonObject>;
    const required = new Set((schema['required'] ?? []) as string[]);
    (operation['parameters'] as JsonObject[]).push(
      ...Object.entries(properties).map(([p, s]) => ({ name: p, in: 'query', required: required.has(p), schema: s })),
    );
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Scrutin central API',
      version: '1',
      description:
        'The central server’s HTTP API: the station protocol (docs/protocol.md), the public results and receipt check, and the officials’ console API. Every refusal is an ErrorBody with a machine-readable code (docs/protocol.md §7).',
      license: { name: 'GPL-3.0-or-later', identifier: 'GPL-3.0-or-later' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components,
      responses: {
        Error: { description: 'A refusal, with its code.', content: { 'application/json': { schema: ref('ErrorBody') } } },
      },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'scrutin_session',
          description: 'An official’s session (POST /auth/login); a POST also carries the session’s x-csrf-token header.',
        },
      },
    },
  };
}

/** `GET /openapi.json`: public, built once. */
export function openapiRoutes(): Router {
  const router = Router();
  let document: JsonObject | undefined;
  router.get(OPENAPI_PATH, (_req, res) => {
    document ??= buildOpenApiDocument();
    res.set('cache-control', 'public, max-age=300').json(document);
  });
  return router;
}
