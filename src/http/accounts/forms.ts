// What every server-rendered form shares (accounts, manage pages, and the status-page and
// endpoint editors built on them): urlencoded bodies, a guard that checks the signed-in user's
// role, the Origin and the CSRF token, and one way to render a page with the signed-in header,
// the CSRF field and the validation messages.
//
// Use:
//   const kit = pageKit(deps);               // once per plugin
//   registerFormBodies(app);                 // in the plugin that owns the form routes
//   app.post('/x', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
//     const viewer = await viewerOf(request); …
//     return kit.render(reply, request, 'my-template', { errors: [{ field, message }], … }, 400);
//   });
// Templates include the partials `csrf` (hidden field) and `form-errors` (it.errors).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Action } from '../../domain/roles.ts';
import type { AppDeps } from '../deps.ts';
import { assetLinks, createTemplates, loadAssets } from '../pages/web-files.ts';
import { accountHeader, can, csrfMatches, viewerOf, type Viewer } from './viewer.ts';

export type FormBody = Readonly<Record<string, string>>;

export interface FormError {
  /** The form field the message belongs to ('' for the form as a whole). */
  readonly field: string;
  readonly message: string;
}

const FORM_BODY_LIMIT = 64 * 1024;
const UNSAFE: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Parses application/x-www-form-urlencoded into a flat record (the last of a repeated name wins).
 * Registered per plugin, never app-wide: the JSON API keeps refusing form bodies as it always has.
 */
export function registerFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

export function formBody(request: FastifyRequest): FormBody {
  const body = request.body;
  return body !== null && typeof body === 'object' ? (body as FormBody) : {};
}

/**
 * The request comes from our own pages: Sec-Fetch-Site (when the browser sends it) says
 * same-origin, and Origin (when sent) is ours. A client sending neither is not a browser acting
 * for someone else; the CSRF token still has to match.
 */
export function sameOrigin(request: FastifyRequest, publicUrl: string | null): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  // Our pages are sent with Referrer-Policy: no-referrer, under which Chromium posts forms with
  // `Origin: null`; Sec-Fetch-Site (which no page can forge) then decides. Without it, a null
  // origin (a sandboxed frame, a data: page) is refused.
  if (origin === 'null') return site === 'same-origin';
  const own = new Set([`${request.protocol}://${request.headers.host ?? ''}`]);
  if (publicUrl !== null) own.add(new URL(publicUrl).origin);
  return own.has(origin);
}

export interface PageKit {
  /**
   * preHandler: a signed-in user (session) whose role allows `action` (null: any role). GET of
   * an anonymous caller → 303 to /login; everything else refused → 403 page. Unsafe methods also
   * need our Origin and the session's CSRF token in the `_csrf` field.
   */
  guard(action: Action | null): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /**
   * onRequest, for a plugin that accepts file uploads: a multipart body is read only for a
   * signed-in user whose role allows `action`, from our own origin; anyone else is refused before
   * a byte of it is parsed (the route's guard still checks the CSRF token afterwards).
   */
  admitUploads(action: Action): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** Renders `template` in the layout with the signed-in header, `it.csrf`, `it.errors` (default none). */
  render(reply: FastifyReply, request: FastifyRequest, template: string, data: Record<string, unknown>, status?: number): Promise<FastifyReply>;
  /** A page saying one thing (refusals, "done"), with the given status. */
  message(reply: FastifyReply, request: FastifyRequest, status: number, title: string, text: string): Promise<FastifyReply>;
}

export function pageKit(deps: Pick<AppDeps, 'config'>): PageKit {
  const templates = createTemplates();
  const links = assetLinks(loadAssets());

  async function render(reply: FastifyReply, request: FastifyRequest, template: string, data: Record<string, unknown>, status = 200): Promise<FastifyReply> {
    const viewer = await viewerOf(request);
    const html = templates.render(template, {
      nav: 'operator',
      current: '',
      bodyClass: `page-${template}`,
      robots: 'noindex',
      assets: links,
      jsonUrl: null,
      errors: [],
      ...data,
      csrf: '',
      ...accountHeader(viewer, true),
    });
    // Pages for someone signed in are theirs alone: never stored by a cache.
    return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  function message(reply: FastifyReply, request: FastifyRequest, status: number, title: string, text: string): Promise<FastifyReply> {
    return render(reply, request, 'message', { title: `${title} · mcpwatch`, heading: title, text }, status);
  }

  /** The checks that need no body: who is asking, whether their role allows it, from where. */
  async function admit(request: FastifyRequest, reply: FastifyReply, action: Action | null): Promise<FastifyReply | Viewer> {
    const viewer: Viewer = await viewerOf(request);
    if (viewer.kind !== 'user') {
      if (request.method === 'GET' || request.method === 'HEAD') return reply.code(303).header('location', `/login?next=${encodeURIComponent(request.url)}`).send();
      return message(reply, request, 403, 'Sign in first', 'This needs a signed-in user. Sign in and submit the form again.');
    }
    if (action !== null && !can(viewer, action)) return message(reply, request, 403, 'Not allowed', `Your role (${viewer.role}) does not allow this.`);
    if (UNSAFE.has(request.method) && !sameOrigin(request, deps.config.publicUrl)) return message(reply, request, 403, 'Refused', 'This form was sent from another site. Open the page here and submit it again.');
    return viewer;
  }
  const refused = (value: FastifyReply | Viewer): value is FastifyReply => !('kind' in value);

  function guard(action: Action | null) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const viewer = await admit(request, reply, action);
      if (refused(viewer)) return viewer;
      if (UNSAFE.has(request.method) && !csrfMatches(viewer, formBody(request)._csrf)) {
        return message(reply, request, 403, 'Form expired', 'This form is out of date or was not made by this page. Reload the page and submit it again.');
      }
      return undefined;
    };
  }

  function admitUploads(action: Action) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if (!/^multipart\//i.test(request.headers['content-type'] ?? '')) return undefined;
      const viewer = await admit(request, reply, action);
      return refused(viewer) ? viewer : undefined;
    };
  }

  return { guard, admitUploads, render, message };
}
