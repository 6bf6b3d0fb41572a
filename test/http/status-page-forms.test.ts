// The groups form's translation (src/http/pages/status-page-forms.ts): flat form fields → the API's
// groups list, and a page's groups → the rows the form shows. One row per case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STATUS_PAGE_LIMITS } from '../../src/domain/status-pages.ts';
import { formErrors, groupRows, groupsFromForm, pageFieldsFromForm } from '../../src/http/pages/status-page-forms.ts';

describe('groupsFromForm', () => {
  const cases: { name: string; body: Record<string, string>; groups: { name: string; endpoints: string[] }[] }[] = [
    { name: 'no rows', body: {}, groups: [] },
    { name: 'the blank new-group row is skipped', body: { groupCount: '1', 'g.0.name': ' ', 'g.0.position': '1' }, groups: [] },
    { name: 'a name with nothing ticked is an empty group', body: { groupCount: '1', 'g.0.name': 'Tools' }, groups: [{ name: 'Tools', endpoints: [] }] },
    { name: 'ticked without a name is kept, for checkGroups to refuse', body: { groupCount: '1', 'g.0.pick.3': 'on' }, groups: [{ name: '', endpoints: ['3'] }] },
    { name: 'removed rows go', body: { groupCount: '2', 'g.0.name': 'A', 'g.0.remove': 'on', 'g.1.name': 'B' }, groups: [{ name: 'B', endpoints: [] }] },
    {
      name: 'groups by position, then by row',
      body: { groupCount: '3', 'g.0.name': 'A', 'g.0.position': '2', 'g.1.name': 'B', 'g.1.position': '1', 'g.2.name': 'C', 'g.2.position': '2' },
      groups: [
        { name: 'B', endpoints: [] },
        { name: 'A', endpoints: [] },
        { name: 'C', endpoints: [] },
      ],
    },
    {
      name: 'endpoints by number; ticked without a number last, in form order; unticked numbers ignored',
      body: { groupCount: '1', 'g.0.name': 'A', 'g.0.pick.7': 'on', 'g.0.order.7': '2', 'g.0.pick.9': 'on', 'g.0.order.9': '1', 'g.0.order.4': '1', 'g.0.pick.5': 'on', 'g.0.pick.2': 'on' },
      groups: [{ name: 'A', endpoints: ['9', '7', '5', '2'] }],
    },
    { name: 'a number that is not a whole number counts as none', body: { groupCount: '1', 'g.0.name': 'A', 'g.0.pick.1': 'on', 'g.0.order.1': '1e9', 'g.0.pick.2': 'on', 'g.0.order.2': '3' }, groups: [{ name: 'A', endpoints: ['2', '1'] }] },
    { name: 'pick names that are not ids are ignored', body: { groupCount: '1', 'g.0.name': 'A', 'g.0.pick.x': 'on', 'g.0.pick.': 'on' }, groups: [{ name: 'A', endpoints: [] }] },
    { name: 'rows past the count are not read', body: { groupCount: '1', 'g.0.name': 'A', 'g.1.name': 'B' }, groups: [{ name: 'A', endpoints: [] }] },
    { name: 'a bad count reads nothing', body: { groupCount: 'lots', 'g.0.name': 'A' }, groups: [] },
    {
      name: 'slugs added in the box go after the ticked ones, one per line (commas too), blanks skipped',
      body: { groupCount: '1', 'g.0.name': 'A', 'g.0.pick.7': 'on', 'g.0.order.7': '1', 'g.0.add': ' weather \r\n\r\nmaps, search\n' },
      groups: [{ name: 'A', endpoints: ['7', 'weather', 'maps', 'search'] }],
    },
    { name: 'the blank new-group row with only added slugs is kept, for checkGroups to ask for a name', body: { groupCount: '1', 'g.0.add': 'weather' }, groups: [{ name: '', endpoints: ['weather'] }] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(groupsFromForm(c.body), c.groups));

  test('the count is bounded: one row past the limit at most, for checkGroups to refuse', () => {
    const body: Record<string, string> = { groupCount: '100000' };
    for (let i = 0; i < 100; i++) body[`g.${i}.name`] = `G${i}`;
    assert.equal(groupsFromForm(body).length, STATUS_PAGE_LIMITS.groups + 1);
  });
});

describe('groupRows', () => {
  const endpoints = [
    { id: 1, slug: 'b', name: 'Bravo', public: true },
    { id: 2, slug: 'a', name: 'Alpha', public: true },
    { id: 3, slug: 'p', name: 'Private', public: false },
  ];

  test('members first in their order and numbered, then the other public endpoints by name, then a blank row', () => {
    const rows = groupRows([{ name: 'G', endpointIds: [3, 1] }], endpoints);
    assert.deepEqual(
      rows.map((r) => ({ name: r.name, isNew: r.isNew, endpoints: r.endpoints.map((e) => [e.id, e.picked, e.order]) })),
      [
        { name: 'G', isNew: false, endpoints: [[3, true, 1], [1, true, 2], [2, false, null]] },
        { name: '', isNew: true, endpoints: [[2, false, null], [1, false, null]] },
      ],
    );
  });

  test('past the picker limit a group lists its members only and offers the add box', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ id: i + 1, slug: `e${i + 1}`, name: `E${i + 1}`, public: i % 5 !== 0 }));
    const rows = groupRows([{ name: 'G', endpointIds: [2, 3] }], many);
    assert.deepEqual(
      rows.map((r) => ({ endpoints: r.endpoints.map((e) => e.id), addBox: r.addBox, candidates: r.candidates })),
      [
        { endpoints: [2, 3], addBox: true, candidates: 400 },
        { endpoints: [], addBox: true, candidates: 400 },
      ],
    );
    assert.equal(groupRows([{ name: 'G', endpointIds: [2, 3] }], many, 400).every((r) => !r.addBox), true, 'at the limit itself every endpoint is listed');
    assert.equal(groupRows([], endpoints)[0]?.addBox, false);
  });

  test('no blank row once the page has as many groups as it may', () => {
    const full = Array.from({ length: STATUS_PAGE_LIMITS.groups }, (_, i) => ({ name: `G${i}`, endpointIds: [] }));
    assert.equal(groupRows(full, endpoints).some((r) => r.isNew), false);
  });
});

test('pageFieldsFromForm: a ticked box is true, an absent one false; formErrors names the field as the API does', () => {
  assert.deepEqual(pageFieldsFromForm({ slug: 's', title: 't', isDefault: 'on' }), { slug: 's', title: 't', description: undefined, footer: undefined, customDomain: undefined, isDefault: true });
  assert.equal(pageFieldsFromForm({ slug: 's', title: 't' }).isDefault, false);
  assert.deepEqual(formErrors([{ field: 'title', message: 'must not be empty' }]), [{ field: 'title', message: 'title: must not be empty' }]);
});
