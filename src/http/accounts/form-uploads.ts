// multipart/form-data for forms that upload a file (the server.json import), parsed by the
// platform's own Fetch implementation (undici's Response.formData), so no parser of our own and
// no new dependency. Registered per plugin like registerFormBodies, with its own size cap: a body
// past `bodyLimit` is refused by Fastify (413, FST_ERR_CTP_BODY_TOO_LARGE) before it is parsed.
// A file field becomes its text (UTF-8); the result has the same flat shape as a urlencoded body,
// so the CSRF guard and formBody read both alike.
import type { FastifyInstance } from 'fastify';

export function registerFormUploads(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const type = request.headers['content-type'] ?? '';
    new Response(body as Buffer, { headers: { 'content-type': type } })
      .formData()
      .then(async (data) => {
        const out: Record<string, string> = {};
        for (const [name, value] of data.entries()) out[name] = typeof value === 'string' ? value : await value.text();
        done(null, out);
      })
      .catch(() => {
        // Not a readable multipart body (no boundary, cut short): a client error, said plainly.
        done(Object.assign(new Error('the form upload could not be read (a multipart/form-data body was expected)'), { statusCode: 400 }), undefined);
      });
  });
}
