// The one multipart/form-data parser both upload forms use (the server.json import, a status
// page's logo): text fields as the body, files apart with their bytes, type and name, the
// plugin's own body limit, and one wording for a body that is not multipart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { UNREADABLE_UPLOAD, registerFormUploads, uploadedFile } from '../../src/http/accounts/form-uploads.ts';

const LIMIT = 4096;

async function encode(data: FormData): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const request = new Request('http://127.0.0.1/', { method: 'POST', body: data });
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type') ?? '' } };
}

describe('form uploads', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await app.register((scope, _options, done) => {
      registerFormUploads(scope, LIMIT);
      scope.post('/upload', async (request) => {
        const file = uploadedFile(request, 'doc');
        const bytes = file === undefined ? null : Buffer.from(await file.arrayBuffer());
        return { body: request.body, file: file === undefined ? null : { name: file.name, type: file.type, hex: bytes?.toString('hex') }, other: uploadedFile(request, 'missing') ?? null };
      });
      done();
    });
    await app.ready();
  });
  after(() => app.close());

  test('text fields are the body, a repeated name keeps its last value; the file comes apart, byte for byte', async () => {
    const data = new FormData();
    data.append('_csrf', 'token');
    data.append('note', 'first');
    data.append('note', 'ünïcode <second>');
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x0d, 0x0a]);
    data.append('doc', new Blob([bytes], { type: 'image/png' }), 'logo.png');
    const res = await app.inject({ method: 'POST', url: '/upload', ...(await encode(data)) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { body: { _csrf: 'token', note: 'ünïcode <second>' }, file: { name: 'logo.png', type: 'image/png', hex: bytes.toString('hex') }, other: null });
  });

  test('an empty file input still arrives, as an empty file without a name', async () => {
    // As a browser sends it (Node's own encoder leaves out an empty filename).
    const payload = '--b\r\nContent-Disposition: form-data; name="doc"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n';
    const res = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'multipart/form-data; boundary=b' }, payload });
    assert.deepEqual(res.json<{ file: unknown }>().file, { name: '', type: 'application/octet-stream', hex: '' });
  });

  test('a body that says multipart but is not gets a 400 in the one wording', async () => {
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=x']) {
      const res = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': contentType }, payload: 'not multipart at all' });
      assert.equal(res.statusCode, 400, contentType);
      assert.equal(res.json<{ message: string }>().message, UNREADABLE_UPLOAD);
    }
  });

  test('past the body limit the body is refused (413) before it is parsed', async () => {
    const data = new FormData();
    data.append('doc', new Blob([Buffer.alloc(LIMIT)]), 'big.bin');
    const res = await app.inject({ method: 'POST', url: '/upload', ...(await encode(data)) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json<{ code: string }>().code, 'FST_ERR_CTP_BODY_TOO_LARGE');
  });
});
