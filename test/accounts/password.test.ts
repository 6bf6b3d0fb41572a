// Password hashes: scrypt with its parameters in the string, verified in constant time, and a
// tampered or foreign string matching nothing rather than costing a gigabyte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/accounts/password.ts';
import { checkPassword, checkUserName } from '../../src/accounts/rules.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

test('hash and verify; each hash has its own salt; the cost travels in the string', async () => {
  const a = await hashPassword('correct horse battery', CHEAP);
  const b = await hashPassword('correct horse battery', CHEAP);
  assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('the default cost is N = 2^15, r = 8, p = 1', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse battery', hash), true);
});

test('malformed or excessive stored hashes match nothing', async () => {
  const good = await hashPassword('x'.repeat(12), CHEAP);
  const parts = good.split('$');
  for (const bad of ['', 'plain', 'bcrypt$x', `scrypt$${2 ** 24}$8$1$${parts[4]}$${parts[5]}`, `scrypt$1000$8$1$${parts[4]}$${parts[5]}`, `scrypt$1024$8$1$${parts[4]}$short`]) {
    assert.equal(await verifyPassword('x'.repeat(12), bad), false, bad);
  }
});

test('the rules and their wording', () => {
  assert.deepEqual(checkPassword('short'), { ok: false, field: 'password', message: 'the password must be at least 10 characters' });
  assert.deepEqual(checkPassword('long enough!', 'different'), { ok: false, field: 'password2', message: 'the two passwords differ' });
  assert.deepEqual(checkUserName('  alice  '), { ok: true, value: 'alice' });
  assert.deepEqual(checkUserName('a\u0000b'), { ok: false, field: 'name', message: 'the user name must not contain control or invisible formatting characters' });
  assert.deepEqual(checkUserName('x'.repeat(65)), { ok: false, field: 'name', message: 'the user name must be at most 64 characters' });
  assert.deepEqual(checkUserName('<img src=x onerror=alert(1)>'), { ok: true, value: '<img src=x onerror=alert(1)>' }, 'hostile names are allowed and escaped where shown');
});
