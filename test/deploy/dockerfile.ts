// A small, strict Dockerfile reader for the deployment contract tests, and a .dockerignore matcher.
//
// Why not a full parser (dockerfile-ast)? The only Dockerfile read here is our own, and this reader
// refuses everything it does not implement instead of guessing: heredocs, a non-default escape
// character, unknown instructions, ONBUILD. What it implements follows BuildKit's
// frontend/dockerfile/parser: parser directives only at the very top; `#` lines are comments,
// also inside a continued instruction; a line ending in `\` continues on the next one (the
// backslash and the newline are removed, the next line's indentation is kept); blank lines inside
// a continuation are dropped; `--flag=value` options precede the arguments; an argument list that
// parses as a JSON array of strings is the exec form, anything else the shell form.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** 1-based line of the keyword. */
  readonly line: number;
  /** Leading `--name=value` options (`--name` alone maps to ''). */
  readonly flags: Readonly<Record<string, string>>;
  /** The arguments after the flags, as written (continuations joined). */
  readonly args: string;
  /** The exec form's argument vector, or null for the shell form. */
  readonly exec: readonly string[] | null;
}

export interface Stage {
  readonly index: number;
  readonly name: string | null;
  /** The base image with global ARG defaults substituted. */
  readonly base: string;
  readonly from: Instruction;
  /** Everything after FROM up to the next FROM. */
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly directives: Readonly<Record<string, string>>;
  /** ARGs before the first FROM, with their defaults. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

const KEYWORDS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);
const TAKES_FLAGS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const directives: Record<string, string> = {};
  let i = 0;
  // Parser directives: `# key=value` lines before anything else (a blank line or other comment ends them).
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i]!);
    if (!m) break;
    directives[m[1]!.toLowerCase()] = m[2]!;
  }
  if (directives.escape !== undefined && directives.escape !== '\\') throw new Error(`unsupported escape directive ${directives.escape}`);

  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const first = lines[i]!;
    const lineNo = i + 1;
    i++;
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue;
    let joined = first.trimStart();
    let continued = /\\\s*$/.test(joined);
    joined = joined.replace(/\\\s*$/, '');
    while (continued) {
      if (i >= lines.length) throw new Error(`line ${lineNo}: continuation runs past the end of the file`);
      const next = lines[i]!;
      i++;
      if (next.trimStart().startsWith('#') || next.trim() === '') continue;
      continued = /\\\s*$/.test(next);
      joined += next.replace(/\\\s*$/, '');
    }
    instructions.push(parseInstruction(joined, lineNo));
  }

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  let current: { from: Instruction; base: string; name: string | null; body: Instruction[] } | undefined;
  const close = (): void => {
    if (current) stages.push({ index: stages.length, name: current.name, base: current.base, from: current.from, instructions: current.body });
  };
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      close();
      const m = /^(\S+)(?:\s+AS\s+([A-Za-z][A-Za-z0-9._-]*))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      current = { from: ins, base: substitute(m[1]!, globalArgs), name: m[2]?.toLowerCase() ?? null, body: [] };
    } else if (!current) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      for (const [k, v] of Object.entries(parseAssignments(ins.args, ins.line, true))) globalArgs[k] = v;
    } else {
      current.body.push(ins);
    }
  }
  close();
  if (stages.length === 0) throw new Error('no FROM instruction');
  return { directives, globalArgs, stages };
}

function parseInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const keyword = m![1]!.toUpperCase();
  if (!KEYWORDS.has(keyword)) throw new Error(`line ${line}: unsupported instruction ${m![1]}`);
  let rest = m![2]!.trim();
  const flags: Record<string, string> = {};
  if (TAKES_FLAGS.has(keyword)) {
    for (;;) {
      const f = /^--([a-z][a-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
      if (!f) break;
      flags[f[1]!] = f[2] ?? '';
      rest = rest.slice(f[0].length);
    }
  }
  if ((keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') && /<<-?\s*["']?[A-Za-z_]/.test(rest)) {
    throw new Error(`line ${line}: heredocs are not supported by this reader`);
  }
  return { keyword, line, flags, args: rest, exec: execForm(rest) };
}

/** Docker's rule: a JSON array of strings is the exec form; anything else (even `[` that fails to parse) is the shell form. */
function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/** `$VAR`, `${VAR}`, `${VAR:-default}` from `vars`; unknown names become '' as in Docker. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = vars[name];
    return value !== undefined && value !== '' ? value : (dflt ?? '');
  });
}

/**
 * `ENV a=1 b="two words"`, `ARG NAME` / `ARG NAME=default`, and the legacy `ENV key value`.
 * Values may be double-quoted; single quotes and escapes are refused (not used here).
 */
export function parseAssignments(args: string, line: number, allowBare = false): Record<string, string> {
  const out: Record<string, string> = {};
  if (!args.includes('=') && !allowBare) {
    const legacy = /^(\S+)\s+([\s\S]*)$/.exec(args);
    if (!legacy) throw new Error(`line ${line}: cannot read ${args}`);
    out[legacy[1]!] = legacy[2]!;
    return out;
  }
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|[^\s"']*))?/y;
  let pos = 0;
  while (pos < args.length) {
    re.lastIndex = pos;
    const m = re.exec(args);
    if (!m || m[0].length === 0) throw new Error(`line ${line}: cannot read assignments in ${args}`);
    const raw = m[2];
    if (raw === undefined && !allowBare) throw new Error(`line ${line}: ${m[1]} has no value`);
    out[m[1]!] = raw === undefined ? '' : raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    pos = re.lastIndex;
    while (pos < args.length && /\s/.test(args[pos]!)) pos++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stage helpers.

export function stage(file: Dockerfile, name: string): Stage {
  const found = file.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage named ${name} (stages: ${file.stages.map((s) => s.name ?? `#${s.index}`).join(', ')})`);
  return found;
}

export function finalStage(file: Dockerfile): Stage {
  return file.stages[file.stages.length - 1]!;
}

export function only(stageOf: Stage, keyword: string): Instruction[] {
  return stageOf.instructions.filter((ins) => ins.keyword === keyword);
}

/** The ARG and ENV values in force at the end of a stage (global ARG defaults, then the stage's own). */
export function stageEnv(file: Dockerfile, stageOf: Stage): Record<string, string> {
  const vars: Record<string, string> = { ...file.globalArgs };
  for (const ins of stageOf.instructions) {
    if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
      for (const [k, v] of Object.entries(parseAssignments(ins.args, ins.line, ins.keyword === 'ARG'))) vars[k] = substitute(v, vars);
    }
  }
  return vars;
}

/** Only the stage's ENV values (what a container of the final stage starts with). */
export function imageEnv(file: Dockerfile, stageOf: Stage): Record<string, string> {
  const vars: Record<string, string> = { ...file.globalArgs };
  const env: Record<string, string> = {};
  for (const ins of stageOf.instructions) {
    if (ins.keyword !== 'ENV' && ins.keyword !== 'ARG') continue;
    for (const [k, v] of Object.entries(parseAssignments(ins.args, ins.line, ins.keyword === 'ARG'))) {
      vars[k] = substitute(v, vars);
      if (ins.keyword === 'ENV') env[k] = vars[k];
    }
  }
  return env;
}

/** COPY's sources and destination (shell form; the JSON form is accepted too). */
export function copyParts(ins: Instruction): { sources: string[]; dest: string } {
  const parts = ins.exec ?? ins.args.split(/\s+/).filter(Boolean);
  if (parts.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
}

/** Go-style durations as HEALTHCHECK and compose write them: "30s", "1m30s", "500ms". */
export function durationMs(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy;
  let total = 0;
  let pos = 0;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`);
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (text === '') throw new Error('empty duration');
  return total;
}

// ---------------------------------------------------------------------------------------------
// .dockerignore: the subset used here. Each line is a pattern matched against a context path
// (slash-separated, relative) and against each of its parent directories; `!` re-includes; the
// last matching line wins. `*` and `?` stay within one path segment, `**` spans segments.

export interface IgnoreRule {
  readonly negate: boolean;
  readonly pattern: string;
  readonly re: RegExp;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
    if (/[[\]\\]/.test(pattern)) throw new Error(`.dockerignore pattern ${line}: character classes and escapes are not supported by this reader`);
    rules.push({ negate, pattern, re: globToRegExp(pattern) });
  }
  return rules;
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True when `path` (relative, slash-separated) is left out of the build context. */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const segments = path.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate;
  }
  return ignored;
}
