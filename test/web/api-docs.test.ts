// docs/openapi.json and docs/asyncapi.json: generated from schemas/ and committed, so a test
// keeps them honest three ways. They match what the generator writes now (no drift); every
// route the server's code answers is described, and every described route is answered as
// described by a live server; and both are valid documents of their kind, every $ref resolving.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import specs from '@asyncapi/specs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiDocs, ASYNCAPI_FILE, OPENAPI_FILE } from '../../scripts/api-docs/documents.js';
import { CHANNEL_PATH } from '../../src/kit/connectors/ws-connector.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = (file: string) => readFileSync(join(root, file), 'utf8');

type Doc = Record<string, unknown>;
interface Operation {
  responses: Record<string, unknown>;
}
type PathItem = Partial<Record<'get' | 'post', Operation>>;

const openapi = JSON.parse(committed(OPENAPI_FILE)) as Doc & { paths: Record<string, PathItem> };
const asyncapi = JSON.parse(committed(ASYNCAPI_FILE)) as Doc & { channels: Record<string, { address: string }> };

/** Every `$ref` in the document, with where it sits (for the failure message). */
function refs(node: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => refs(n, `${at}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refs(v, `${at}/${k}`)));
}

/** A local JSON pointer (`#/a/b~1c`) followed from the document's root; undefined when it leads nowhere. */
function follow(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The routes as the code says them: `req.method === 'GET' && url.pathname === '/x'` (method null when tested apart), and the pages. */
function routesInCode(): { path: string; method: string | null }[] {
  const routes = ['src/kit/web/kit-routes.ts', 'src/hv/web/http-routes.ts'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
  const found = [...routes.matchAll(/(?:req\.method === '([A-Z]+)' && )?url\.pathname === '([^']+)'/g)].map((m) => ({ path: m[2]!, method: m[1] ?? null }));
  const statics = ['src/kit/web/static-files.ts', 'src/hv/web/http-routes.ts'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
  for (const [, pages] of statics.matchAll(/const [A-Z]+_PAGES[^=]*= \{([^}]*)\}/g)) {
    for (const m of pages!.matchAll(/'(\/[^']*)':/g)) found.push({ path: m[1]!, method: 'GET' });
  }
  return found;
}

describe('API descriptions', () => {
  it('are what `npm run api-docs` writes from the schemas now (run it after changing schemas/ or scripts/api-docs/)', () => {
    for (const [file, text] of Object.entries(apiDocs(root))) expect(committed(file), file).toBe(text);
  });

  it('have their required top-level fields, and every $ref resolves inside the document', () => {
    expect(openapi).toMatchObject({ openapi: '3.1.0', info: { title: expect.any(String), version: expect.any(String) }, paths: expect.any(Object) });
    expect(asyncapi).toMatchObject({ asyncapi: '3.0.0', info: { title: expect.any(String), version: expect.any(String) }, channels: expect.any(Object), operations: expect.any(Object) });
    for (const doc of [openapi, asyncapi]) {
      const all = refs(doc);
      expect(all.length).toBeGreaterThan(10);
      const broken = all.filter(({ ref }) => follow(doc, ref) === undefined);
      expect(broken).toEqual([]);
    }
  });

  it('embed the JSON Schemas as they are, not restated', () => {
    const schemas = (asyncapi.components as { schemas: Record<string, { 'x-source'?: string; $defs?: unknown }> }).schemas;
    const command = JSON.parse(committed('schemas/command.schema.json')) as { $defs: Record<string, unknown> };
    expect(schemas.Command?.['x-source']).toBe('schemas/command.schema.json');
    expect(Object.keys(schemas.Command?.$defs ?? {})).toEqual(Object.keys(command.$defs));
  });

  it('OpenAPI: valid against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(openapi);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('AsyncAPI: valid against the AsyncAPI 3.0.0 schema, payload schemas included', () => {
    // The AsyncAPI schema carries its own copy of the draft-07 meta-schema: ajv's own is left out.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, meta: false, validateSchema: false });
    const validate = ajv.compile(specs.schemas['3.0.0'] as object);
    expect(validate(asyncapi), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    // The check has teeth: a message that is not one fails.
    const broken = structuredClone(asyncapi) as unknown as { components: { messages: Record<string, unknown> } };
    broken.components.messages.command = { payload: { type: 'not-a-type' } };
    expect(validate(broken)).toBe(false);
  });

  it('AsyncAPI: the channel is the websocket path the connector serves', () => {
    expect(new Set(Object.values(asyncapi.channels).map((c) => c.address))).toEqual(new Set([CHANNEL_PATH]));
  });

  it('OpenAPI: every route in the route code is described, with its method', () => {
    const code = routesInCode();
    expect(code.length).toBeGreaterThan(12);
    for (const { path, method } of code) {
      expect(openapi.paths, path).toHaveProperty([path]);
      if (method) expect(openapi.paths[path], `${method} ${path}`).toHaveProperty([method.toLowerCase()]);
    }
  });

  describe('OpenAPI against a live (simulated) server', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer();
    });
    afterAll(async () => {
      await t.stop();
    });

    it('answers every described path and method with a described status', async () => {
      const base = `http://127.0.0.1:${t.server.http.port}`;
      for (const [path, item] of Object.entries(openapi.paths)) {
        for (const [method, op] of Object.entries(item) as [string, Operation][]) {
          const init: RequestInit = method === 'post' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' } : {};
          const res = await fetch(`${base}${path}`, init);
          await res.arrayBuffer();
          expect(res.status, `${method.toUpperCase()} ${path}`).not.toBe(404);
          expect(Object.keys(op.responses), `${method.toUpperCase()} ${path} answered ${res.status}`).toContain(String(res.status));
        }
      }
    });

    it('answers 404 at a path not described', async () => {
      const res = await fetch(`http://127.0.0.1:${t.server.http.port}/api/not-described`);
      expect(res.status).toBe(404);
    });
  });
});
