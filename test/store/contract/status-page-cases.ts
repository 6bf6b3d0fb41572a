// StatusPageStore cases written against the contract only, run over every backend by
// status-pages.contract.test.ts: pages, the one default, unique slugs and domains, logos as
// bytes, groups replaced in one transaction, posts with their updates, and cascades.
import assert from 'node:assert/strict';
import { StatusPageError, type StatusPageDefinition } from '../../../src/store/status-pages.ts';
import type { Storage } from '../../../src/store/store.ts';
import { definition } from '../helper.ts';

export interface StatusPageHarness {
  readonly storage: Storage;
  readonly reopen: () => Promise<Storage>;
  readonly clock: { advance: (ms: number) => void };
}

const PAGE: StatusPageDefinition = {
  slug: 'acme',
  title: '<script>alert(1)</script> Acme',
  description: 'Line one\nline "two" & more',
  footer: null,
  customDomain: null,
  isDefault: false,
};

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0x00]);

const refused = (code: string) => (err: unknown) => err instanceof StatusPageError && err.code === code;

export const statusPageCases: Record<string, (h: StatusPageHarness) => Promise<void>> = {
  async 'a page round-trips verbatim and is found by id, slug and domain after a restart'({ storage, reopen }) {
    const created = await storage.statusPages.createPage({ ...PAGE, customDomain: 'status.acme.example' });
    assert.equal(created.slug, 'acme');
    assert.equal(created.title, PAGE.title);
    assert.equal(created.description, PAGE.description);
    assert.equal(created.logo, null);
    const again = await reopen();
    assert.deepEqual(await again.statusPages.getPage(created.id), created);
    assert.deepEqual(await again.statusPages.getPageBySlug('acme'), created);
    assert.deepEqual([...(await again.statusPages.domains()).entries()], [['status.acme.example', 'acme']]);
    assert.equal(await again.statusPages.getPage(999_999), undefined);
    assert.equal(await again.statusPages.getPageBySlug('nope'), undefined);
  },

  async 'slugs and custom domains are unique; an update may keep its own'({ storage }) {
    const a = await storage.statusPages.createPage({ ...PAGE, customDomain: 'a.example' });
    await assert.rejects(storage.statusPages.createPage({ ...PAGE, customDomain: null }), refused('PAGE_SLUG_TAKEN'));
    await assert.rejects(storage.statusPages.createPage({ ...PAGE, slug: 'other', customDomain: 'a.example' }), refused('DOMAIN_TAKEN'));
    const b = await storage.statusPages.createPage({ ...PAGE, slug: 'b' });
    await assert.rejects(storage.statusPages.updatePage(b.id, { ...PAGE, slug: 'acme' }), refused('PAGE_SLUG_TAKEN'));
    await assert.rejects(storage.statusPages.updatePage(b.id, { ...PAGE, slug: 'b', customDomain: 'a.example' }), refused('DOMAIN_TAKEN'));
    const same = await storage.statusPages.updatePage(a.id, { ...PAGE, title: 'Renamed', customDomain: 'a.example' });
    assert.equal(same?.title, 'Renamed');
    assert.equal(await storage.statusPages.updatePage(999_999, PAGE), undefined);
    assert.deepEqual((await storage.statusPages.listPages()).map((p) => p.slug), ['acme', 'b']);
  },

  async 'at most one page is the default: making one clears the other'({ storage }) {
    assert.equal(await storage.statusPages.defaultPage(), undefined);
    const a = await storage.statusPages.createPage({ ...PAGE, isDefault: true });
    assert.equal((await storage.statusPages.defaultPage())?.id, a.id);
    const b = await storage.statusPages.createPage({ ...PAGE, slug: 'b', isDefault: true });
    assert.equal((await storage.statusPages.defaultPage())?.id, b.id);
    assert.equal((await storage.statusPages.getPage(a.id))?.isDefault, false);
    await storage.statusPages.updatePage(a.id, { ...PAGE, isDefault: true });
    assert.equal((await storage.statusPages.defaultPage())?.id, a.id);
    await storage.statusPages.updatePage(a.id, { ...PAGE, isDefault: false });
    assert.equal(await storage.statusPages.defaultPage(), undefined);
  },

  async 'a logo is stored as bytes with its type and name, and can be removed'({ storage }) {
    const page = await storage.statusPages.createPage(PAGE);
    assert.equal(await storage.statusPages.setLogo(page.id, { bytes: PNG, contentType: 'image/png', fileName: 'acme.png' }), true);
    const logo = await storage.statusPages.getLogo(page.id);
    assert.deepEqual(logo && { bytes: [...logo.bytes], contentType: logo.contentType, fileName: logo.fileName }, { bytes: [...PNG], contentType: 'image/png', fileName: 'acme.png' });
    assert.deepEqual((await storage.statusPages.getPage(page.id))?.logo, { contentType: 'image/png', fileName: 'acme.png', size: PNG.length });
    assert.equal(await storage.statusPages.setLogo(page.id, null), true);
    assert.equal(await storage.statusPages.getLogo(page.id), undefined);
    assert.equal((await storage.statusPages.getPage(page.id))?.logo, null);
    assert.equal(await storage.statusPages.setLogo(999_999, null), false);
  },

  async 'groups are replaced whole, in order; an unknown endpoint changes nothing; deleting an endpoint drops its membership'({ storage }) {
    const page = await storage.statusPages.createPage(PAGE);
    const e1 = await storage.store.createEndpoint(definition('e1', { public: true }));
    const e2 = await storage.store.createEndpoint(definition('e2', { public: true }));
    const e3 = await storage.store.createEndpoint(definition('e3', { public: true }));
    assert.equal(await storage.statusPages.setGroups(page.id, [{ name: 'APIs', endpointIds: [e2.id, e1.id] }, { name: 'Tools', endpointIds: [e3.id] }]), true);
    assert.deepEqual(await storage.statusPages.getGroups(page.id), [{ name: 'APIs', endpointIds: [e2.id, e1.id] }, { name: 'Tools', endpointIds: [e3.id] }]);
    await assert.rejects(storage.statusPages.setGroups(page.id, [{ name: 'Gone', endpointIds: [e1.id, 999_999] }]), refused('ENDPOINT_NOT_FOUND'));
    assert.deepEqual((await storage.statusPages.getGroups(page.id)).map((g) => g.name), ['APIs', 'Tools']);
    assert.equal(await storage.store.deleteEndpoint(e2.id), true);
    assert.deepEqual(await storage.statusPages.getGroups(page.id), [{ name: 'APIs', endpointIds: [e1.id] }, { name: 'Tools', endpointIds: [e3.id] }]);
    assert.equal(await storage.statusPages.setGroups(page.id, []), true);
    assert.deepEqual(await storage.statusPages.getGroups(page.id), []);
    assert.equal(await storage.statusPages.setGroups(999_999, []), false);
  },

  async 'a post keeps its updates newest first; its status and resolution follow the latest update'({ storage, clock }) {
    const page = await storage.statusPages.createPage(PAGE);
    const post = await storage.statusPages.createPost(page.id, { title: 'Slow tools/list', status: 'investigating', body: 'We are <looking>.' });
    assert.ok(post);
    assert.equal(post.status, 'investigating');
    assert.equal(post.resolvedAt, null);
    assert.deepEqual(post.updates.map((u) => [u.status, u.body]), [['investigating', 'We are <looking>.']]);
    clock.advance(60_000);
    const resolved = await storage.statusPages.addUpdate(post.id, { status: 'resolved', body: 'Fixed.' });
    assert.equal(resolved?.status, 'resolved');
    assert.equal(resolved?.resolvedAt, resolved?.updatedAt);
    assert.equal(Date.parse(resolved?.updatedAt ?? '') - Date.parse(post.createdAt), 60_000);
    assert.deepEqual(resolved?.updates.map((u) => u.status), ['resolved', 'investigating']);
    clock.advance(60_000);
    const reopened = await storage.statusPages.addUpdate(post.id, { status: 'monitoring', body: 'Back again.' });
    assert.equal(reopened?.resolvedAt, null);
    assert.equal((await storage.statusPages.retitlePost(post.id, 'Renamed'))?.title, 'Renamed');
    // A correction changes the text only: status, time and order stay as they were said.
    const first = reopened.updates.at(-1)!;
    const corrected = await storage.statusPages.editUpdate(post.id, first.id, 'We are looking (corrected).');
    assert.deepEqual(corrected?.updates.map((u) => [u.id, u.status, u.body, u.at]), reopened.updates.map((u) => [u.id, u.status, u.id === first.id ? 'We are looking (corrected).' : u.body, u.at]));
    assert.equal(corrected?.status, 'monitoring');
    assert.equal(corrected?.updatedAt, reopened?.updatedAt, 'a correction is not a new update');
    // The correction is stamped with the store's clock; the others still read as first posted.
    const editedAt = (p: typeof corrected | undefined) => p?.updates.map((u) => [u.id, u.editedAt]);
    assert.deepEqual(post.updates.map((u) => u.editedAt), [null], 'an original update is not edited');
    assert.deepEqual(editedAt(corrected), reopened.updates.map((u) => [u.id, u.id === first.id ? reopened.updatedAt : null]));
    clock.advance(60_000);
    const resaved = await storage.statusPages.editUpdate(post.id, first.id, 'We are looking (corrected).');
    assert.deepEqual(editedAt(resaved), editedAt(corrected), 'the same text again changes nothing');
    const again = await storage.statusPages.editUpdate(post.id, first.id, 'We are looking (corrected twice).');
    const stamp = again?.updates.find((u) => u.id === first.id)?.editedAt;
    assert.equal(Date.parse(stamp ?? '') - Date.parse(reopened.updatedAt), 60_000, 'a second correction moves the stamp');
    assert.deepEqual(await storage.statusPages.getPost(post.id), again, 'read back as returned');
    assert.equal(await storage.statusPages.editUpdate(post.id, 999_999, 'x'), undefined);
    const second = await storage.statusPages.createPost(page.id, { title: 'Second', status: 'identified', body: 'b' });
    assert.deepEqual((await storage.statusPages.listPosts(page.id, 10)).map((p) => p.title), ['Second', 'Renamed']);
    assert.deepEqual((await storage.statusPages.listPosts(page.id, 1)).map((p) => p.id), [second?.id]);
    assert.equal(await storage.statusPages.addUpdate(999_999, { status: 'resolved', body: 'x' }), undefined);
    assert.equal(await storage.statusPages.createPost(999_999, { title: 't', status: 'resolved', body: 'x' }), undefined);
    assert.equal(await storage.statusPages.editUpdate(second!.id, first.id, 'x'), undefined, "another post's update is not this post's");
    assert.equal(await storage.statusPages.deletePost(post.id), true);
    assert.equal(await storage.statusPages.getPost(post.id), undefined);
    assert.equal(await storage.statusPages.deletePost(post.id), false);
  },

  async 'deleting a page deletes its groups, logo and posts'({ storage }) {
    const page = await storage.statusPages.createPage(PAGE);
    const e1 = await storage.store.createEndpoint(definition('e1'));
    await storage.statusPages.setGroups(page.id, [{ name: 'A', endpointIds: [e1.id] }]);
    const post = await storage.statusPages.createPost(page.id, { title: 't', status: 'investigating', body: 'b' });
    assert.equal(await storage.statusPages.deletePage(page.id), true);
    assert.equal(await storage.statusPages.getPost(post?.id ?? 0), undefined);
    assert.deepEqual(await storage.statusPages.getGroups(page.id), []);
    assert.equal(await storage.statusPages.deletePage(page.id), false);
    assert.equal((await storage.store.getEndpoint(e1.id))?.slug, 'e1');
  },
};
