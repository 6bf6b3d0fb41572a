// multipart/form-data for the forms that upload a file (the server.json import, a status page's
// logo), parsed in one place by the platform's own Fetch implementation (undici's
// Response.formData), so no parser of our own and no new dependency. Registered per plugin like
// registerFormBodies, with the plugin's own size cap: a body past `bodyLimit` is refused by Fastify
// (413, FST_ERR_CTP_BODY_TOO_LARGE) before it is parsed. Text fields become the request body, the
// same flat shape as a urlencoded one, so the CSRF guard and formBody read both alike; files are
// kept apart for the route (uploadedFile), which takes bytes and type or text as it needs.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The one wording for a body that says multipart but cannot be read (no boundary, cut short). */
export const UNREADABLE_UPLOAD = 'the form upload could not be read (a multipart/form-data body was expected)';

/** Files of a parsed multipart body, by field name, beside its text fields (the body). */
const uploads = new WeakMap<FastifyRequest, ReadonlyMap<string, File>>();

export function registerFormUploads(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, async (request: FastifyRequest, body: Buffer) => {
    let data: FormData;
    try {
      data = await new Response(body, { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
    } catch {
      // A client error, said plainly: the route's error handler shows it as a page.
      throw Object.assign(new Error(UNREADABLE_UPLOAD), { statusCode: 400 });
    }
    const fields: Record<string, string> = {};
    const files = new Map<string, File>();
    // A repeated name keeps its last value, as a urlencoded body does (Object.fromEntries).
    for (const [name, value] of data) {
      if (typeof value === 'string') fields[name] = value;
      else files.set(name, value);
    }
    uploads.set(request, files);
    return fields;
  });
}

/**
 * The file sent in field `name`, undefined when the request had none (not multipart, or no such
 * field). A file input left empty still arrives, as a File of size 0 with no name.
 */
export function uploadedFile(request: FastifyRequest, name: string): File | undefined {
  return uploads.get(request)?.get(name);
}
