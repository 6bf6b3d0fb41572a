// /manage/status-pages (issue 16): every form action through the real app over a real SQLite file,
// with the JSON API beside it: the same messages for the same bad input, the same store, an audit
// row per change, and refusals (no CSRF token, another site, a viewer) that change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Parser from 'rss-parser';
import { STATUS_PAGE_LIMITS } from '../../src/domain/status-pages.ts';
import { addUser, signIn, type SignedIn } from './accounts-fixture.ts';
import { PNG, SVG, buildPageFormsApp, formMessages, multipart, pageRowCounts, type PageFormsApp } from './manage-status-pages-fixture.ts';
import { definition } from '../store/helper.ts';
import { seedEndpoint } from './page-seed.ts';
import type { ErrorJson } from './status-page-fixture.ts';

const MANAGE = '/manage/status-pages';
const API = '/api/v1/status-pages';

describe('status-page forms', () => {
  let t: PageFormsApp;
  let editor: SignedIn;
  let viewer: SignedIn;

  before(async () => {
    t = await buildPageFormsApp({ yaml: 'publicUrl: https://mcpwatch.acme.example\n' });
    await addUser(t, 'ed', 'editor');
    await addUser(t, 'vic', 'viewer');
    editor = await signIn(t, 'ed');
    viewer = await signIn(t, 'vic');
    const now = Date.now();
    for (const slug of ['weather', 'maps', 'search']) await seedEndpoint(t.store, now, { slug, definition: { name: `${slug} server` }, days: 1 });
    await seedEndpoint(t.store, now, { slug: 'secret', definition: { name: 'secret server', public: false }, days: 1 });
  });
  after(async () => t?.close());

  const idOf = (slug: string): number => (t.store.database.prepare('SELECT id FROM endpoints WHERE slug = ?').get(slug) as { id: number }).id;
  const audit = (): { action: string; target: string; actor: string }[] =>
    t.store.database.prepare('SELECT action, target, actor FROM audit_log ORDER BY id').all() as { action: string; target: string; actor: string }[];

  test('the list needs a signed-in user with read.private; a viewer sees it without the create form', async () => {
    const anonymous = await t.get(null, MANAGE);
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, `/login?next=${encodeURIComponent(MANAGE)}`);
    const seen = await t.get(viewer, MANAGE);
    assert.equal(seen.statusCode, 200);
    assert.match(seen.body, /<h1>Status pages<\/h1>/);
    assert.doesNotMatch(seen.body, /id="create-page"/);
    assert.match((await t.get(editor, MANAGE)).body, /id="create-page"/);
  });

  test('an editor makes a page: 303 to its editor, listed with slug, default, domain and public link, audited', async () => {
    const created = await t.post(editor, MANAGE, { slug: 'acme', title: ' Acme status ', description: 'Our servers', footer: 'ops@acme.example', customDomain: 'Status.Acme.Example', isDefault: 'on' });
    assert.equal(created.statusCode, 303, created.body);
    assert.equal(created.headers.location, `${MANAGE}/acme`);
    const page = await t.pages.getPageBySlug('acme');
    assert.equal(page?.title, 'Acme status');
    assert.equal(page?.customDomain, 'status.acme.example');
    assert.equal(page?.isDefault, true);
    assert.equal(t.hosts.slugFor('status.acme.example'), 'acme', 'custom domains reloaded');
    const list = (await t.get(editor, MANAGE)).body;
    const row = /<tr data-page="acme">([\s\S]*?)<\/tr>/.exec(list)?.[1] ?? '';
    assert.match(row, /<a href="\/manage\/status-pages\/acme">Acme status<\/a>/);
    assert.match(row, /<td>yes<\/td>/);
    assert.match(row, /<td>status\.acme\.example<\/td>/);
    assert.match(row, /<a href="\/status\/p\/acme">\/status\/p\/acme<\/a>/);
    assert.deepEqual(audit().at(-1), { action: 'status-page.create', target: 'status-page:acme', actor: 'ed' });
    const editorPage = await t.get(editor, `${MANAGE}/acme`);
    assert.equal(editorPage.statusCode, 200);
    assert.match(editorPage.body, /value="ops@acme.example"|>ops@acme.example</);
  });

  test('a change whose audit row cannot be written is still made and answered (the failure is logged), as in the API', async () => {
    // A trigger stands in for a full disk or a lost connection on the audit insert alone.
    t.store.database.exec("CREATE TEMP TRIGGER audit_fails BEFORE INSERT ON audit_log BEGIN SELECT RAISE(FAIL, 'audit write refused'); END");
    try {
      const before = audit().length;
      const created = await t.post(editor, MANAGE, { slug: 'unaudited', title: 'Made anyway' });
      assert.equal(created.statusCode, 303, created.body);
      assert.equal((await t.pages.getPageBySlug('unaudited'))?.title, 'Made anyway');
      assert.equal(audit().length, before);
    } finally {
      t.store.database.exec('DROP TRIGGER temp.audit_fails');
    }
  });

  test('bad input gets the API\'s own messages, word for word, and nothing is stored', async () => {
    const cases: { name: string; fields: Record<string, string>; json: Record<string, unknown> }[] = [
      { name: 'title too long', fields: { slug: 'x1', title: 't'.repeat(STATUS_PAGE_LIMITS.title + 1) }, json: { slug: 'x1', title: 't'.repeat(STATUS_PAGE_LIMITS.title + 1) } },
      { name: 'empty title, bad slug', fields: { slug: 'Not A Slug', title: ' ' }, json: { slug: 'Not A Slug', title: ' ' } },
      { name: 'bad domain', fields: { slug: 'x2', title: 'T', customDomain: 'https://status.example.com/' }, json: { slug: 'x2', title: 'T', customDomain: 'https://status.example.com/' } },
      { name: "this mcpwatch's own host", fields: { slug: 'x3', title: 'T', customDomain: 'mcpwatch.acme.example' }, json: { slug: 'x3', title: 'T', customDomain: 'mcpwatch.acme.example' } },
      { name: 'control characters', fields: { slug: 'x4', title: 'a\u0007b', footer: 'ok\u0001' }, json: { slug: 'x4', title: 'a\u0007b', footer: 'ok\u0001' } },
      { name: 'description too long', fields: { slug: 'x5', title: 'T', description: 'd'.repeat(STATUS_PAGE_LIMITS.description + 1) }, json: { slug: 'x5', title: 'T', description: 'd'.repeat(STATUS_PAGE_LIMITS.description + 1) } },
    ];
    const before = pageRowCounts(t);
    for (const c of cases) {
      const api = await t.app.inject({ method: 'POST', url: API, headers: t.writer, payload: c.json });
      assert.equal(api.statusCode, 400, `${c.name}: ${api.body}`);
      const expected = api.json<ErrorJson>().fields.map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`);
      const page = await t.post(editor, MANAGE, c.fields);
      assert.equal(page.statusCode, 400, c.name);
      assert.deepEqual(formMessages(page.body), expected, c.name);
    }
    // A slug another page holds: the store's sentence, as the API's 409 says it.
    const taken = await t.app.inject({ method: 'POST', url: API, headers: t.writer, payload: { slug: 'acme', title: 'Again' } });
    assert.equal(taken.statusCode, 409);
    const page = await t.post(editor, MANAGE, { slug: 'acme', title: 'Again' });
    assert.equal(page.statusCode, 409);
    assert.deepEqual(formMessages(page.body), [taken.json<ErrorJson>().message]);
    assert.deepEqual(pageRowCounts(t), before);
  });

  test('editing the page saves every field; renaming the slug moves its editor; the same messages on errors', async () => {
    await t.post(editor, MANAGE, { slug: 'edit-me', title: 'Edit me' });
    const bad = await t.post(editor, `${MANAGE}/edit-me`, { slug: 'edit-me', title: '' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(formMessages(bad.body), ['title: must not be empty']);
    const saved = await t.post(editor, `${MANAGE}/edit-me`, { slug: 'edited', title: 'Edited', description: 'line one\r\nline two', footer: 'foot', customDomain: '' });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, `${MANAGE}/edited`);
    const page = await t.pages.getPageBySlug('edited');
    assert.equal(page?.description, 'line one\nline two');
    assert.equal(page?.isDefault, false);
    assert.equal(await t.pages.getPageBySlug('edit-me'), undefined);
    assert.equal((await t.get(editor, `${MANAGE}/edit-me`)).statusCode, 404);
    assert.deepEqual(audit().at(-1), { action: 'status-page.update', target: 'status-page:edited', actor: 'ed' });
  });

  test('groups: picked endpoints in the numbered order, groups by position, a private endpoint refused as the API refuses it', async () => {
    await t.post(editor, MANAGE, { slug: 'grouped', title: 'Grouped' });
    const [weather, maps, search, secret] = ['weather', 'maps', 'search', 'secret'].map(idOf) as [number, number, number, number];
    const saved = await t.post(editor, `${MANAGE}/grouped/groups`, {
      groupCount: '2',
      'g.0.name': 'Search',
      'g.0.position': '2',
      [`g.0.pick.${search}`]: 'on',
      'g.1.name': 'Tools',
      'g.1.position': '1',
      [`g.1.pick.${weather}`]: 'on',
      [`g.1.pick.${maps}`]: 'on',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const page = (await t.pages.getPageBySlug('grouped'))!;
    assert.deepEqual(await t.pages.getGroups(page.id), [
      { name: 'Tools', endpointIds: [weather, maps] },
      { name: 'Search', endpointIds: [search] },
    ]);
    // Reorder inside a group by its numbers; the blank new-group row stays blank and is skipped.
    const reordered = await t.post(editor, `${MANAGE}/grouped/groups`, {
      groupCount: '3',
      'g.0.name': 'Tools',
      'g.0.position': '1',
      [`g.0.pick.${weather}`]: 'on',
      [`g.0.order.${weather}`]: '2',
      [`g.0.pick.${maps}`]: 'on',
      [`g.0.order.${maps}`]: '1',
      'g.1.name': 'Search',
      'g.1.remove': 'on',
      [`g.1.pick.${search}`]: 'on',
      'g.2.name': '',
      'g.2.position': '3',
    });
    assert.equal(reordered.statusCode, 303, reordered.body);
    assert.deepEqual(await t.pages.getGroups(page.id), [{ name: 'Tools', endpointIds: [maps, weather] }]);
    // The editor lists the members first, numbered, then the other public endpoints, never a private one.
    const html = (await t.get(editor, `${MANAGE}/grouped`)).body;
    assert.match(html, new RegExp(`name="g\\.0\\.order\\.${maps}" type="number" min="1" value="1"`));
    assert.doesNotMatch(html, new RegExp(`g\\.0\\.pick\\.${secret}"`));
    // A private endpoint (by a crafted form): the API's message for the same group list.
    const before = pageRowCounts(t);
    const api = await t.app.inject({ method: 'PUT', url: `${API}/grouped/groups`, headers: t.writer, payload: { groups: [{ name: 'Tools', endpoints: [String(secret)] }, { name: 'Tools', endpoints: [] }] } });
    assert.equal(api.statusCode, 400);
    const sneaky = await t.post(editor, `${MANAGE}/grouped/groups`, { groupCount: '2', 'g.0.name': 'Tools', [`g.0.pick.${secret}`]: 'on', 'g.1.name': 'Tools' });
    assert.equal(sneaky.statusCode, 400);
    // checkGroups runs first (the repeated name), as in the API; then the endpoint resolution.
    assert.deepEqual(formMessages(sneaky.body), api.json<ErrorJson>().fields.map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`));
    const privateOnly = await t.app.inject({ method: 'PUT', url: `${API}/grouped/groups`, headers: t.writer, payload: { groups: [{ name: 'Tools', endpoints: [String(secret)] }] } });
    const sneaky2 = await t.post(editor, `${MANAGE}/grouped/groups`, { groupCount: '1', 'g.0.name': 'Tools', [`g.0.pick.${secret}`]: 'on' });
    assert.deepEqual(formMessages(sneaky2.body), privateOnly.json<ErrorJson>().fields.map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`));
    assert.match(formMessages(sneaky2.body)[0] ?? '', /is not public/);
    assert.deepEqual(pageRowCounts(t), before);
    assert.equal(audit().filter((a) => a.action === 'status-page.groups').length, 2);
  });

  test('logo: a PNG uploaded as a file is served; SVG and junk get the API\'s messages; removal', async () => {
    await t.post(editor, MANAGE, { slug: 'logo', title: 'Logo' });
    const upload = (bytes: Buffer, name: string, type: string, csrf = editor.csrf) => {
      const { body, contentType } = multipart({ _csrf: csrf }, { field: 'logo', name, type, bytes });
      return t.app.inject({ method: 'POST', url: `${MANAGE}/logo/logo`, headers: { cookie: editor.cookie, 'content-type': contentType }, payload: body });
    };
    const ok = await upload(PNG, '"><img src=x onerror=alert(1)>.png', 'image/png');
    assert.equal(ok.statusCode, 303, ok.body);
    const page = (await t.pages.getPageBySlug('logo'))!;
    assert.equal(page.logo?.contentType, 'image/png');
    assert.equal(page.logo?.fileName, 'img_src_x_onerror_alert_1__.png');
    const served = await t.app.inject({ method: 'GET', url: '/status-pages/logo/logo' });
    assert.equal(served.headers['content-type'], 'image/png');
    assert.deepEqual(served.rawPayload, PNG);
    const editorHtml = (await t.get(editor, `${MANAGE}/logo`)).body;
    assert.match(editorHtml, /<img class="page-logo" src="\/status-pages\/logo\/logo"/);

    const before = pageRowCounts(t);
    for (const [bytes, type] of [
      [SVG, 'image/svg+xml'],
      [Buffer.from('just text'), 'image/png'],
      [Buffer.concat([PNG, Buffer.alloc(STATUS_PAGE_LIMITS.logoBytes)]), 'image/png'],
    ] as const) {
      const api = await t.app.inject({ method: 'PUT', url: `${API}/logo/logo`, headers: { ...t.writer, 'content-type': type }, payload: bytes });
      assert.ok(api.statusCode === 400 || api.statusCode === 413, api.body);
      const apiMessage = api.statusCode === 413 ? `the logo is ${bytes.length} bytes; the limit is ${STATUS_PAGE_LIMITS.logoBytes} bytes (256 KiB)` : api.json<ErrorJson>().fields[0]!.message;
      const form = await upload(bytes, 'logo.png', type);
      assert.equal(form.statusCode, 400, form.body);
      assert.deepEqual(formMessages(form.body), [`logo: ${apiMessage}`]);
      if (type === 'image/svg+xml') assert.match(apiMessage, /^SVG logos are refused/);
    }
    assert.deepEqual(pageRowCounts(t), before);
    assert.deepEqual((await t.pages.getPageBySlug('logo'))?.logo?.fileName, 'img_src_x_onerror_alert_1__.png', 'the good logo stays');
    // Past the form's own bound (4 × the logo limit) the body is not even read: a 413, nothing stored.
    const huge = await upload(Buffer.concat([PNG, Buffer.alloc(4 * STATUS_PAGE_LIMITS.logoBytes)]), 'huge.png', 'image/png');
    assert.equal(huge.statusCode, 413);
    // A body that says multipart but is not: a 400.
    const junk = await t.app.inject({ method: 'POST', url: `${MANAGE}/logo/logo`, headers: { cookie: editor.cookie, 'content-type': 'multipart/form-data; boundary=x' }, payload: 'not multipart' });
    assert.equal(junk.statusCode, 400);
    assert.deepEqual(pageRowCounts(t), before);
    // No token in the multipart form: refused like any form.
    const forged = await upload(PNG, 'x.png', 'image/png', 'not-the-token');
    assert.equal(forged.statusCode, 403);

    const removed = await t.post(editor, `${MANAGE}/logo/logo/remove`);
    assert.equal(removed.statusCode, 303);
    assert.equal((await t.pages.getPageBySlug('logo'))?.logo, null);
    assert.equal((await t.app.inject({ method: 'GET', url: '/status-pages/logo/logo' })).statusCode, 404);
    assert.deepEqual(
      audit().filter((a) => a.target === 'status-page:logo').map((a) => a.action),
      ['status-page.create', 'status-page.logo.set', 'status-page.logo.remove'],
    );
  });

  test('an incident post made in the form, updated and renamed, shows on the public page and in the RSS feed; deleting it takes it off', async () => {
    await t.post(editor, MANAGE, { slug: 'incidents', title: 'Incidents' });
    const bad = await t.post(editor, `${MANAGE}/incidents/posts`, { title: '', status: 'sleeping', body: '' });
    assert.equal(bad.statusCode, 400);
    const api = await t.app.inject({ method: 'POST', url: `${API}/incidents/posts`, headers: t.writer, payload: { title: '', status: 'investigating', body: '' } });
    assert.deepEqual(
      formMessages(bad.body),
      [api.json<ErrorJson>().fields[0]!, { field: 'body.status', message: 'must be one of investigating, identified, monitoring, resolved' }, api.json<ErrorJson>().fields[1]!].map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`),
    );
    const created = await t.post(editor, `${MANAGE}/incidents/posts`, { title: 'Slow tools/list', status: 'investigating', body: 'Some calls take seconds.\nWe are looking.' });
    assert.equal(created.statusCode, 303, created.body);
    const location = created.headers.location as string;
    assert.match(location, /^\/manage\/status-pages\/incidents\/posts\/\d+$/);
    const updated = await t.post(editor, `${location}/updates`, { status: 'resolved', body: 'A cache node was restarted.' });
    assert.equal(updated.statusCode, 303, updated.body);
    const renamed = await t.post(editor, location, { title: 'Slow tools/list calls' });
    assert.equal(renamed.statusCode, 303, renamed.body);
    const tooLong = await t.post(editor, location, { title: 'x'.repeat(STATUS_PAGE_LIMITS.postTitle + 1) });
    assert.deepEqual(formMessages(tooLong.body), [`title: must be at most ${STATUS_PAGE_LIMITS.postTitle} characters (got ${STATUS_PAGE_LIMITS.postTitle + 1})`]);

    // A correction of the first update's text: the form gives the API's words for bad text, then saves.
    const postId = Number(location.split('/').at(-1));
    const first = (await t.pages.getPost(postId))!.updates.at(-1)!;
    const emptyFix = await t.post(editor, `${location}/updates/${first.id}`, { body: ' ' });
    assert.equal(emptyFix.statusCode, 400);
    const apiEmpty = await t.app.inject({ method: 'PATCH', url: `${API}/incidents/posts/${postId}/updates/${first.id}`, headers: t.writer, payload: { body: ' ' } });
    assert.deepEqual(formMessages(emptyFix.body), apiEmpty.json<ErrorJson>().fields.map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`));
    assert.match(emptyFix.body, new RegExp(`<details class="edit-update" open>`), 'the failed correction stays open');
    const fixed = await t.post(editor, `${location}/updates/${first.id}`, { body: 'Some calls take seconds.\nWe are looking <carefully>.' });
    assert.equal(fixed.statusCode, 303, fixed.body);
    assert.equal(fixed.headers.location, `${location}#update-${first.id}`);
    const afterFix = (await t.pages.getPost(postId))!;
    assert.deepEqual(afterFix.updates.map((u) => [u.status, u.body]), [['resolved', 'A cache node was restarted.'], ['investigating', 'Some calls take seconds.\nWe are looking <carefully>.']]);
    assert.equal((await t.post(editor, `${location}/updates/999999`, { body: 'x' })).statusCode, 404);
    assert.equal((await t.post(viewer, `${location}/updates/${first.id}`, { body: 'x' })).statusCode, 403);

    const manage = (await t.get(viewer, location)).body;
    assert.match(manage, /<h1 id="post-heading">Slow tools\/list calls<\/h1>/);
    assert.doesNotMatch(manage, /id="update-form"|class="edit-update"/, 'a viewer sees no forms');
    // The operator's view marks the corrected update too, and only it.
    const marked = [...manage.matchAll(/<li data-update="(\d+)"[^>]*>.*?<\/span>\n/g)].map((m) => [Number(m[1]), /edited \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(m[0])]);
    assert.deepEqual(marked, afterFix.updates.map((u) => [u.id, u.id === first.id]));

    const publicPage = await t.app.inject({ method: 'GET', url: '/status/p/incidents' });
    assert.equal(publicPage.statusCode, 200);
    assert.match(publicPage.body, /Slow tools\/list calls/);
    assert.match(publicPage.body, /A cache node was restarted\./);
    assert.match(publicPage.body, /Some calls take seconds\.\nWe are looking &lt;carefully&gt;\./);
    const feed = await new Parser().parseString((await t.app.inject({ method: 'GET', url: '/status/p/incidents/feed.xml' })).body);
    const item = feed.items.find((i) => (i.title ?? '').includes('Slow tools/list calls'));
    assert.ok(item, `the post is in the feed: ${JSON.stringify(feed.items.map((i) => i.title))}`);
    assert.match(item.contentSnippet ?? item.content ?? '', /A cache node was restarted\./);

    const confirm = await t.get(editor, `${location}/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, new RegExp(`<form method="post" action="${location}/delete"`));
    const deleted = await t.post(editor, `${location}/delete`);
    assert.equal(deleted.statusCode, 303);
    const after = await new Parser().parseString((await t.app.inject({ method: 'GET', url: '/status/p/incidents/feed.xml' })).body);
    assert.equal(after.items.filter((i) => (i.title ?? '').includes('Slow tools/list')).length, 0);
    assert.deepEqual(
      audit().filter((a) => a.target.startsWith('status-page:incidents/post:')).map((a) => a.action),
      ['status-page.post.create', 'status-page.post.update', 'status-page.post.retitle', 'status-page.post.update.edit', 'status-page.post.delete'],
    );
  });

  test('deleting a page takes a confirmation step, then the page, its posts and its public address go', async () => {
    await t.post(editor, MANAGE, { slug: 'doomed', title: 'Doomed' });
    await t.post(editor, `${MANAGE}/doomed/posts`, { title: 'Bye', status: 'resolved', body: 'Gone.' });
    const confirm = await t.get(editor, `${MANAGE}/doomed/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Delete the status page &quot;Doomed&quot;\?/);
    assert.ok(await t.pages.getPageBySlug('doomed'), 'the GET deleted nothing');
    const deleted = await t.post(editor, `${MANAGE}/doomed/delete`);
    assert.equal(deleted.statusCode, 303);
    assert.equal(deleted.headers.location, MANAGE);
    assert.equal(await t.pages.getPageBySlug('doomed'), undefined);
    assert.equal((await t.app.inject({ method: 'GET', url: '/status/p/doomed' })).statusCode, 404);
    assert.deepEqual(audit().at(-1), { action: 'status-page.delete', target: 'status-page:doomed', actor: 'ed' });
  });

  /** Every form action on the page "target", with the fields it needs. */
  async function actions(): Promise<{ url: string; fields: Record<string, string> }[]> {
    if (!(await t.pages.getPageBySlug('target'))) {
      await t.post(editor, MANAGE, { slug: 'target', title: 'Target' });
      await t.post(editor, `${MANAGE}/target/posts`, { title: 'Post', status: 'investigating', body: 'Body' });
    }
    const page = (await t.pages.getPageBySlug('target'))!;
    const post = (await t.pages.listPosts(page.id, 1))[0]!;
    const p = `${MANAGE}/target`;
    return [
      { url: MANAGE, fields: { slug: 'new-one', title: 'New' } },
      { url: p, fields: { slug: 'target', title: 'Changed' } },
      { url: `${p}/groups`, fields: { groupCount: '1', 'g.0.name': 'G', [`g.0.pick.${idOf('weather')}`]: 'on' } },
      { url: `${p}/logo/remove`, fields: {} },
      { url: `${p}/posts`, fields: { title: 'Another', status: 'identified', body: 'B' } },
      { url: `${p}/posts/${post.id}`, fields: { title: 'Renamed' } },
      { url: `${p}/posts/${post.id}/updates`, fields: { status: 'resolved', body: 'Done' } },
      { url: `${p}/posts/${post.id}/delete`, fields: {} },
      { url: `${p}/delete`, fields: {} },
    ];
  }

  test('a viewer may look but every action is a 403 that changes nothing', async () => {
    const list = await actions();
    await t.pages.setLogo((await t.pages.getPageBySlug('target'))!.id, { bytes: PNG, contentType: 'image/png', fileName: 'a.png' });
    const before = pageRowCounts(t);
    for (const { url, fields } of list) {
      const response = await t.post(viewer, url, fields);
      assert.equal(response.statusCode, 403, url);
      assert.match(response.body, /Your role \(viewer\) does not allow this\./, url);
    }
    const { body, contentType } = multipart({ _csrf: viewer.csrf }, { field: 'logo', name: 'x.png', type: 'image/png', bytes: PNG });
    assert.equal((await t.app.inject({ method: 'POST', url: `${MANAGE}/target/logo`, headers: { cookie: viewer.cookie, 'content-type': contentType }, payload: body })).statusCode, 403);
    assert.equal((await t.get(viewer, `${MANAGE}/target/delete`)).statusCode, 403);
    assert.equal((await t.get(viewer, `${MANAGE}/target`)).statusCode, 200);
    assert.deepEqual(pageRowCounts(t), before);
    assert.equal((await t.pages.getPageBySlug('target'))?.title, 'Target');
  });

  test('without the CSRF token, with a wrong one, from another site or signed out: 403 and nothing changes', async () => {
    const list = await actions();
    const before = pageRowCounts(t);
    for (const { url, fields } of list) {
      const missing = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: editor.cookie }, payload: new URLSearchParams(fields).toString() });
      assert.equal(missing.statusCode, 403, `no token: ${url}`);
      assert.match(missing.body, /Form expired/);
      assert.equal((await t.post(editor, url, { ...fields, _csrf: viewer.csrf })).statusCode, 403, `another session's token: ${url}`);
      const crossSite = await t.post(editor, url, fields, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.statusCode, 403, `cross-site: ${url}`);
      assert.match(crossSite.body, /sent from another site/);
      const anonymous = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
      assert.equal(anonymous.statusCode, 403, `signed out: ${url}`);
    }
    assert.deepEqual(pageRowCounts(t), before);
  });

  test('an unknown page or post is a 404 page, not an error', async () => {
    assert.equal((await t.get(editor, `${MANAGE}/nope`)).statusCode, 404);
    assert.equal((await t.post(editor, `${MANAGE}/nope`, { slug: 'nope', title: 'x' })).statusCode, 404);
    await actions();
    assert.equal((await t.get(editor, `${MANAGE}/target/posts/999999`)).statusCode, 404);
    assert.equal((await t.get(editor, `${MANAGE}/target/posts/abc`)).statusCode, 404);
  });
});

describe('status-page groups form with many endpoints', () => {
  let t: PageFormsApp;
  let editor: SignedIn;
  before(async () => {
    t = await buildPageFormsApp();
    await addUser(t, 'ed', 'editor');
    editor = await signIn(t, 'ed');
    for (let i = 1; i <= 150; i++) await t.store.createEndpoint(definition(`server-${i}`, { public: true }));
  });
  after(async () => t?.close());

  test('past 100 public endpoints a group lists its members and takes more by slug, with the API\'s words for a bad one', async () => {
    await t.post(editor, MANAGE, { slug: 'big', title: 'Big' });
    const empty = await t.get(editor, `${MANAGE}/big`);
    assert.equal(empty.statusCode, 200);
    assert.equal((empty.body.match(/name="g\.\d+\.pick\./g) ?? []).length, 0, 'no box per endpoint');
    assert.match(empty.body, /name="g\.0\.add"/);
    assert.match(empty.body, /150 public endpoints to choose from/);
    const saved = await t.post(editor, `${MANAGE}/big/groups`, { groupCount: '1', 'g.0.name': 'Tools', 'g.0.add': 'server-7\nserver-3' });
    assert.equal(saved.statusCode, 303, saved.body);
    const page = await t.pages.getPageBySlug('big');
    const groups = await t.pages.getGroups(page!.id);
    const slugOf = async (id: number) => (await t.store.getEndpoint(id))?.slug;
    assert.deepEqual(await Promise.all(groups[0]!.endpointIds.map(slugOf)), ['server-7', 'server-3']);
    const listed = await t.get(editor, `${MANAGE}/big`);
    assert.equal((listed.body.match(/name="g\.0\.pick\./g) ?? []).length, 2, 'members listed, ticked and numbered');
    const bad = await t.post(editor, `${MANAGE}/big/groups`, { groupCount: '1', 'g.0.name': 'Tools', 'g.0.add': 'server-7\nno-such' });
    assert.equal(bad.statusCode, 400);
    const api = await t.app.inject({ method: 'PUT', url: `${API}/big/groups`, headers: t.writer, payload: { groups: [{ name: 'Tools', endpoints: ['server-7', 'no-such'] }] } });
    assert.deepEqual(formMessages(bad.body), api.json<ErrorJson>().fields.map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`));
  });
});
