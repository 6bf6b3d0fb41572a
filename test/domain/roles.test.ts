// The permission table, row by row: what each role may do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIONS, PERMISSIONS, ROLES, isRole, roleAllows } from '../../src/domain/roles.ts';

test('admin may do everything; editor the monitoring; viewer only reads', () => {
  assert.deepEqual([...PERMISSIONS.admin].sort(), [...ACTIONS].sort());
  assert.deepEqual([...PERMISSIONS.editor].sort(), ['alerts.write', 'endpoints.check', 'endpoints.write', 'incidents.write', 'maintenance.write', 'read.private', 'status-pages.write']);
  assert.deepEqual([...PERMISSIONS.viewer], ['read.private']);
  for (const action of ['users.manage', 'tokens.manage', 'audit.read'] as const) assert.equal(roleAllows('editor', action), false, action);
  assert.deepEqual(ROLES.filter(isRole), ['admin', 'editor', 'viewer']);
  assert.equal(isRole('root'), false);
  assert.equal(isRole(undefined), false);
});
