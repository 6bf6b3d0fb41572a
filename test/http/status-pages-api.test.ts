// /api/v1/status-pages: pages, groups, logo and incident posts through the JSON API (issue 16),
// with the exact validation messages a form will share, and who may write.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definition } from '../store/helper.ts';
import { buildPagesApp, type ErrorJson, type PageJson, type PagesApp, type PostJson } from './status-page-fixture.ts';

const BASE = '/api/v1/status-pages';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

describe('status pages API', () => {
  let t: PagesApp;
  before(async () => {
    t = await buildPagesApp({ yaml: 'publicUrl: https://mcpwatch.acme.example\nlisten: { allowedHosts: [.internal.example] }\n' });
  });
  after(async () => t.close());

  test('create, read, replace and delete a page', async () => {
    const created = await t.send('POST', BASE, { slug: 'acme', title: ' Acme status ', description: 'All our MCP servers', isDefault: true });
    assert.equal(created.statusCode, 201, created.body);
    const page = created.json<PageJson>();
    assert.equal(page.title, 'Acme status');
    assert.equal(page.url, '/status/p/acme');
    assert.equal(page.feedUrl, '/status/p/acme/feed.xml');
    assert.equal(page.isDefault, true);
    assert.deepEqual(page.groups, []);
    const byId = await t.send('GET', `${BASE}/${page.id}`, undefined, t.reader);
    assert.equal(byId.json<PageJson>().slug, 'acme');
    const replaced = await t.send('PUT', `${BASE}/acme`, { slug: 'acme', title: 'Acme', customDomain: 'Status.Acme.Example.' });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.json<PageJson>().customDomain, 'status.acme.example');
    assert.equal(replaced.json<PageJson>().description, null);
    assert.equal(replaced.json<PageJson>().isDefault, false);
    assert.equal(t.hosts.slugFor('status.acme.example'), 'acme');
    const listed = await t.send('GET', BASE, undefined, t.reader);
    assert.deepEqual(
      listed.json<{ pages: PageJson[] }>().pages.map((p: { slug: string }) => p.slug),
      ['acme'],
    );
    const deleted = await t.send('DELETE', `${BASE}/acme`);
    assert.equal(deleted.statusCode, 204);
    assert.equal(t.hosts.slugFor('status.acme.example'), undefined);
    assert.equal((await t.send('GET', `${BASE}/acme`, undefined, t.reader)).statusCode, 404);
  });

  test('validation errors name the field with the shared messages', async () => {
    const cases: Array<[unknown, Array<{ field: string; message: string }>]> = [
      [{ slug: 'Bad Slug', title: 'x' }, [{ field: 'body.slug', message: 'must be 1–64 lowercase letters, digits and dashes, starting and ending with a letter or digit' }]],
      [{ slug: 'ok', title: '   ' }, [{ field: 'body.title', message: 'must not be empty' }]],
      [{ slug: 'ok', title: 'x'.repeat(201) }, [{ field: 'body.title', message: 'must be at most 200 characters (got 201)' }]],
      [{ slug: 'ok', title: 'a\nb' }, [{ field: 'body.title', message: 'must not contain control characters or line breaks' }]],
      [{ slug: 'ok', title: 'x', description: 'd'.repeat(2001) }, [{ field: 'body.description', message: 'must be at most 2000 characters (got 2001)' }]],
      [{ slug: 'ok', title: 'x', customDomain: 'https://status.example.com/' }, [{ field: 'body.customDomain', message: 'must be a host name such as status.example.com (no scheme, port or path)' }]],
      [{ slug: 'ok', title: 'x', customDomain: '10.0.0.1' }, [{ field: 'body.customDomain', message: 'must be a host name such as status.example.com (no scheme, port or path)' }]],
      [{ slug: 'ok', title: 'x', customDomain: 'status.localhost' }, [{ field: 'body.customDomain', message: "is one of this mcpwatch's own host names (publicUrl, listen.allowedHosts or localhost); a status page needs a name of its own" }]],
      [{ slug: 'ok', title: 'x', customDomain: 'mcpwatch.acme.example' }, [{ field: 'body.customDomain', message: "is one of this mcpwatch's own host names (publicUrl, listen.allowedHosts or localhost); a status page needs a name of its own" }]],
      [{ slug: 'ok', title: 'x', customDomain: 'a.internal.example' }, [{ field: 'body.customDomain', message: "is one of this mcpwatch's own host names (publicUrl, listen.allowedHosts or localhost); a status page needs a name of its own" }]],
      [{ slug: 'ok', title: 'x', color: 'red' }, [{ field: 'body.color', message: 'unknown field' }]],
    ];
    for (const [body, fields] of cases) {
      const response = await t.send('POST', BASE, body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      assert.equal(response.json<ErrorJson>().code, 'VALIDATION_FAILED');
      assert.deepEqual(response.json<ErrorJson>().fields, fields, JSON.stringify(body));
      assert.equal(response.json<ErrorJson>().message, fields.map((f) => `${f.field}: ${f.message}`).join('; '));
    }
  });

  test('slug and custom domain conflicts are 409s', async () => {
    assert.equal((await t.send('POST', BASE, { slug: 'one', title: 'One', customDomain: 'one.example' })).statusCode, 201);
    const slug = await t.send('POST', BASE, { slug: 'one', title: 'Again' });
    assert.equal(slug.statusCode, 409);
    assert.equal(slug.json<ErrorJson>().code, 'SLUG_TAKEN');
    const domain = await t.send('POST', BASE, { slug: 'two', title: 'Two', customDomain: 'ONE.example' });
    assert.equal(domain.statusCode, 409);
    assert.match(domain.json<ErrorJson>().message, /custom domain "one\.example" is already used/);
    await t.send('DELETE', `${BASE}/one`);
  });

  test('anonymous callers and read-only tokens cannot write; anonymous callers cannot read the list', async () => {
    const anonymous = await t.send('POST', BASE, { slug: 'x', title: 'x' }, {});
    assert.equal(anonymous.statusCode, 401);
    const readOnly = await t.send('POST', BASE, { slug: 'x', title: 'x' }, t.reader);
    assert.equal(readOnly.statusCode, 403);
    assert.equal(readOnly.json<ErrorJson>().message, 'this token is read-only; this request needs a token created without --read-only');
    assert.equal((await t.send('GET', BASE, undefined, {})).statusCode, 401);
    const logo = await t.app.inject({ method: 'PUT', url: `${BASE}/x/logo`, headers: { ...t.reader, 'content-type': 'image/png' }, payload: PNG });
    assert.equal(logo.statusCode, 403);
    assert.equal((await t.pages.listPages()).length, 0);
  });

  test('groups take public endpoints by id or slug, in order; private and unknown ones are refused by name', async () => {
    await t.send('POST', BASE, { slug: 'groups', title: 'Groups' });
    const a = await t.store.createEndpoint(definition('alpha', { public: true }));
    const b = await t.store.createEndpoint(definition('beta', { public: true }));
    await t.store.createEndpoint(definition('secret', { public: false }));
    const ok = await t.send('PUT', `${BASE}/groups/groups`, { groups: [{ name: 'Core', endpoints: ['beta', a.id] }, { name: 'Empty', endpoints: [] }] });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json<PageJson>().groups, [
      { name: 'Core', endpoints: [{ id: b.id, slug: 'beta', name: 'Server beta', public: true }, { id: a.id, slug: 'alpha', name: 'Server alpha', public: true }] },
      { name: 'Empty', endpoints: [] },
    ]);
    const bad = await t.send('PUT', `${BASE}/groups/groups`, { groups: [{ name: 'Core', endpoints: ['secret', 'nope', 'beta', 'beta'] }, { name: 'Core', endpoints: [] }] });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json<ErrorJson>().fields, [
      { field: 'body.groups.0.endpoints.3', message: 'lists "beta" twice in this group' },
      { field: 'body.groups.1.name', message: 'repeats the group name "Core"' },
    ]);
    const unpublished = await t.send('PUT', `${BASE}/groups/groups`, { groups: [{ name: 'Core', endpoints: ['secret', 'nope'] }] });
    assert.deepEqual(unpublished.json<ErrorJson>().fields, [
      { field: 'body.groups.0.endpoints.0', message: 'endpoint "secret" is not public; a status page shows only public endpoints (set public: true first)' },
      { field: 'body.groups.0.endpoints.1', message: 'no endpoint with id or slug "nope"' },
    ]);
    assert.equal((await t.pages.getGroups((await t.pages.getPageBySlug('groups'))!.id))[0]?.endpointIds.length, 2);
  });

  test('the OpenAPI document lists the status page routes, the logo upload included', async () => {
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    for (const [path, method] of [
      ['/status-pages', 'post'],
      ['/status-pages/{ref}', 'put'],
      ['/status-pages/{ref}/groups', 'put'],
      ['/status-pages/{ref}/logo', 'put'],
      ['/status-pages/{ref}/posts', 'post'],
      ['/status-pages/{ref}/posts/{id}/updates', 'post'],
      ['/status-pages/{ref}/posts/{id}/updates/{updateId}', 'patch'],
    ] as const) {
      assert.ok(doc.paths[`/api/v1${path}`]?.[method], `${method} ${path}`);
    }
    // The update shape names its correction stamp, so clients generated from the document keep it.
    assert.match(JSON.stringify(doc.paths['/api/v1/status-pages/{ref}/posts/{id}/updates/{updateId}']?.['patch']), /"editedAt":\{[^}]*"type":\["string","null"\]|"editedAt":\{"anyOf"/);
  });

  test('incident posts: create, update, rename, list and delete, with status checked against the closed list', async () => {
    await t.send('POST', BASE, { slug: 'posts', title: 'Posts' });
    const created = await t.send('POST', `${BASE}/posts/posts`, { title: 'Slow tools', status: 'investigating', body: 'Looking into it.' });
    assert.equal(created.statusCode, 201, created.body);
    const post = created.json<PostJson>();
    const wrong = await t.send('POST', `${BASE}/posts/posts/${post.id}/updates`, { status: 'fixed', body: 'x' });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json<ErrorJson>().fields, [{ field: 'body.status', message: 'must be one of investigating, identified, monitoring, resolved' }]);
    const long = await t.send('POST', `${BASE}/posts/posts/${post.id}/updates`, { status: 'identified', body: 'x'.repeat(10_001) });
    assert.deepEqual(long.json<ErrorJson>().fields, [{ field: 'body.body', message: 'must be at most 10000 characters (got 10001)' }]);
    const updated = await t.send('POST', `${BASE}/posts/posts/${post.id}/updates`, { status: 'resolved', body: 'Fixed.\r\nAll good.' });
    assert.equal(updated.statusCode, 201);
    assert.equal(updated.json<PostJson>().status, 'resolved');
    assert.deepEqual(
      updated.json<PostJson>().updates.map((u: { body: string }) => u.body),
      ['Fixed.\nAll good.', 'Looking into it.'],
    );
    assert.equal((await t.send('PATCH', `${BASE}/posts/posts/${post.id}`, { title: 'Slow tools/list' })).json<PostJson>().title, 'Slow tools/list');
    // Correcting the first update's text: status, time and order stay; bad text gets the same words as a new update.
    const firstId = post.updates[0]!.id;
    const correctedLong = await t.send('PATCH', `${BASE}/posts/posts/${post.id}/updates/${firstId}`, { body: 'x'.repeat(10_001) });
    assert.deepEqual(correctedLong.json<ErrorJson>().fields, [{ field: 'body.body', message: 'must be at most 10000 characters (got 10001)' }]);
    const corrected = await t.send('PATCH', `${BASE}/posts/posts/${post.id}/updates/${firstId}`, { body: 'Looking into it (corrected).' });
    assert.equal(corrected.statusCode, 200, corrected.body);
    assert.deepEqual(
      corrected.json<PostJson>().updates.map((u: { status: string; body: string }) => [u.status, u.body]),
      [['resolved', 'Fixed.\nAll good.'], ['investigating', 'Looking into it (corrected).']],
    );
    assert.equal(corrected.json<PostJson>().status, 'resolved');
    // Only the corrected update carries a stamp; the API says when (ISO, like `at`).
    assert.deepEqual(updated.json<PostJson>().updates.map((u) => u.editedAt), [null, null]);
    const [latest, first] = corrected.json<PostJson>().updates;
    assert.equal(latest?.editedAt, null);
    assert.match(first?.editedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const reread = await t.send('GET', `${BASE}/posts/posts/${post.id}`, undefined, t.reader);
    assert.deepEqual(reread.json<PostJson>().updates.map((u) => u.editedAt), [null, first?.editedAt]);
    assert.equal((await t.send('PATCH', `${BASE}/posts/posts/${post.id}/updates/999999`, { body: 'x' })).statusCode, 404);
    assert.equal((await t.send('PATCH', `${BASE}/posts/posts/${post.id}/updates/${firstId}`, { body: 'x' }, t.reader)).statusCode, 403);
    assert.equal((await t.send('GET', `${BASE}/posts/posts`, undefined, t.reader)).json<{ posts: PostJson[] }>().posts.length, 1);
    await t.send('POST', BASE, { slug: 'elsewhere', title: 'Elsewhere' });
    assert.equal((await t.send('GET', `${BASE}/elsewhere/posts/${post.id}`, undefined, t.reader)).statusCode, 404);
    assert.equal((await t.send('DELETE', `${BASE}/posts/posts/${post.id}`)).statusCode, 204);
    assert.equal((await t.send('GET', `${BASE}/posts/posts/${post.id}`, undefined, t.reader)).statusCode, 404);
  });
});
