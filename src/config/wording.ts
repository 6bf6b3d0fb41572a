// How configuration problems are worded: paths as the file spells them, schema issues as sentences
// that never quote a secret. Shared by the file parser, the server.json import and the API's
// alert settings, so one mistake reads the same wherever it is made.
import type * as z from 'zod';
import { ALLOWED_KEYS, kindOf, show, unknownKeyMessage } from './schema.ts';

type Issue = z.ZodError['issues'][number];
type PathSegment = PropertyKey;

/** `endpoints[2].headers.X-Api-Key`; keys that would read ambiguously are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (/^[A-Za-z0-9_$-]+$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(top level)' : out;
}

function keyPattern(path: readonly PathSegment[]): string {
  return path.map((s) => (typeof s === 'number' ? '[]' : String(s))).join('.').replace(/\.\[\]/g, '[]');
}

/** Alert channel fields whose values are credentials (Slack and Discord URLs carry their token). */
const ALERT_SECRET_KEYS: ReadonlySet<PropertyKey> = new Set(['url', 'secret', 'topic', 'token', 'pass']);

function isAlertSecretPath(path: readonly PathSegment[]): boolean {
  return path[0] === 'alerts' && path[1] === 'channels' && path.some((s) => ALERT_SECRET_KEYS.has(s));
}

const EXPECTED: Readonly<Record<string, string>> = { object: 'a mapping', record: 'a mapping', array: 'a list', string: 'a string', boolean: 'true or false', number: 'a number' };

/**
 * Where an item parsed on its own sits in the file (`['alerts', 'channels', 0]`), for the allowed
 * keys and the secret rules, and the prefix its messages show instead (`body` for the API).
 */
export interface IssueScope {
  readonly base: readonly PathSegment[];
  readonly shown: string;
}

export function formatIssue(issue: Issue, scope?: IssueScope): string[] {
  const full = [...(scope?.base ?? []), ...issue.path];
  const at = (path: readonly PathSegment[]): string => (scope ? (path.length === 0 ? scope.shown : `${scope.shown}${formatPath(path).replace(/^(?=[^[])/, '.')}`) : formatPath(path));
  const path = at(issue.path);
  // Anything under headers or bearerToken may be a secret: describe its kind, never its text.
  const secret = full.some((s) => s === 'headers' || s === 'bearerToken') || isAlertSecretPath(full);
  const got = (value: unknown): string => (secret ? kindOf(value) : show(value));
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = ALLOWED_KEYS[keyPattern(full)] ?? [];
      return issue.keys.map((key) => `${at([...issue.path, key])}: ${unknownKeyMessage(key, allowed)}`);
    }
    case 'invalid_type':
      return [`${path}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got(issue.input)}`];
    default:
      return [`${path}: ${issue.message}`];
  }
}

export function unsetReason(names: readonly string[]): string {
  if (names.length === 1) return `environment variable ${names[0]} is not set`;
  return `environment variables ${names.slice(0, -1).join(', ')} and ${names.at(-1)} are not set`;
}
