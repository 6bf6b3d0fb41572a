// Templates and static assets live in web/ at the package root (next to package.json), found
// the same way from src/ under tsx and from dist/src/ once built.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';

export function webDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'web'))) return join(dir, 'web');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no web/ directory beside a package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * Eta with escaping on (`<%= %>` XML-escapes & < > " '). The raw tag `<%~ %>` appears only for
 * include() and a layout's `it.body`, never on data; test/http/page-models.test.ts checks that.
 */
export function createTemplates(dir = join(webDir(), 'templates')): Eta {
  return new Eta({ views: dir, cache: true, autoEscape: true, autoTrim: [false, 'nl'] });
}

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

export interface Asset {
  readonly name: string;
  /** `app.3f9c2a1b.css`: served with a year-long immutable Cache-Control. */
  readonly hashedName: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export interface Assets {
  /** The URL pages link to (the hashed name), by plain file name. */
  url(name: string): string;
  /** Found by hashed or plain name; `immutable` when asked for by the hashed one. */
  lookup(file: string): { asset: Asset; immutable: boolean } | undefined;
}

/** Reads every file in web/assets once, at startup. */
export function loadAssets(dir = join(webDir(), 'assets')): Assets {
  const byName = new Map<string, Asset>();
  const byHashed = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const ext = extname(name);
    const contentType = CONTENT_TYPES[ext];
    if (contentType === undefined) continue;
    const body = readFileSync(join(dir, name));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const asset: Asset = { name, hashedName: `${name.slice(0, -ext.length)}.${hash}${ext}`, body, contentType, etag: `"${hash}"` };
    byName.set(name, asset);
    byHashed.set(asset.hashedName, asset);
  }
  return {
    url(name) {
      const asset = byName.get(name);
      if (!asset) throw new Error(`no asset ${name} in ${dir}`);
      return `/assets/${asset.hashedName}`;
    },
    lookup(file) {
      const hashed = byHashed.get(file);
      if (hashed) return { asset: hashed, immutable: true };
      const plain = byName.get(file);
      return plain ? { asset: plain, immutable: false } : undefined;
    },
  };
}

/** The asset URLs every page's layout links. */
export interface AssetLinks {
  readonly css: string;
  readonly js: string;
  readonly icon: string;
}

export function assetLinks(assets: Assets): AssetLinks {
  return { css: assets.url('app.css'), js: assets.url('app.js'), icon: assets.url('favicon.svg') };
}
