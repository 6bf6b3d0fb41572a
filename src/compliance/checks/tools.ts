// Tools as tools/list described them: names, and every input/output schema. Read from the pages
// the handshake already listed; no tool is ever called.
import { isRecord } from '../../domain/jsonrpc.ts';
import { isValidToolName } from '../../domain/tool-name.ts';
import type { CheckContext, CheckFn } from '../context.ts';
import { schemaJudge, walkSchema } from '../json-schema.ts';
import { fail, notApplicable, pass, plural, quote, type Verdict } from '../verdict.ts';
import { toolsUnlisted } from './modern.ts';

/** Offenders named in one line of evidence; the count says how many more. */
const NAMED = 3;

type Tool = Readonly<Record<string, unknown>>;

function withTools(judge: (tools: readonly Tool[]) => Verdict): CheckFn {
  return (c: CheckContext) => {
    const pages = c.handshake.toolPages;
    if (pages === null) return Promise.resolve(toolsUnlisted(c));
    const tools = pages.flatMap((p) => (Array.isArray(p.tools) ? p.tools.filter(isRecord) : []));
    if (tools.length === 0) return Promise.resolve(notApplicable('tools/list lists no tools'));
    return Promise.resolve(judge(tools));
  };
}

function offenders(list: readonly string[]): string {
  return `${list.slice(0, NAMED).join('; ')}${list.length > NAMED ? ` (and ${list.length - NAMED} more)` : ''}`;
}

function nameOf(tool: Tool): string {
  return typeof tool.name === 'string' ? tool.name : '';
}

function schemas(tool: Tool): [string, unknown][] {
  const name = quote(nameOf(tool), 40);
  return [[`${name}.inputSchema`, tool.inputSchema], ...(tool.outputSchema !== undefined ? [[`${name}.outputSchema`, tool.outputSchema] as [string, unknown]] : [])];
}

export const TOOLS_CHECKS = {
  'tools.names.valid': withTools((tools) => {
    const bad = tools.map(nameOf).filter((n) => !isValidToolName(n)).map((n) => quote(n, 40));
    return bad.length === 0 ? pass(`${plural(tools.length, 'tool name')}, all valid`) : fail(`${bad.length} invalid: ${offenders(bad)}`);
  }),
  'tools.names.unique': withTools((tools) => {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const name of tools.map(nameOf)) (seen.has(name) ? twice : seen).add(name);
    return twice.size === 0 ? pass(`${plural(tools.length, 'tool name')}, all distinct`) : fail(`listed more than once: ${offenders([...twice].map((n) => quote(n, 40)))}`);
  }),
  'tools.schema.valid': withTools((tools) => {
    const judge = schemaJudge();
    const invalid: string[] = [];
    const skipped: string[] = [];
    let valid = 0;
    for (const [field, schema] of tools.flatMap(schemas)) {
      const verdict = judge(schema, field);
      if (verdict.kind === 'valid') valid += 1;
      else (verdict.kind === 'invalid' ? invalid : skipped).push(verdict.why);
    }
    const note = skipped.length > 0 ? `; not validated: ${offenders(skipped)}` : '';
    if (invalid.length > 0) return fail(`${invalid.length} invalid: ${offenders(invalid)}${note}`);
    return valid === 0 ? notApplicable(`no schema could be validated${note}`) : pass(`${plural(valid, 'schema')} valid${note}`);
  }),
  'tools.schema.no-network-ref': withTools((tools) => {
    const found = tools.flatMap(schemas).flatMap(([field, schema]) => walkSchema(schema).networkRefs.map((ref) => `${field} → ${quote(ref, 80)}`));
    return found.length === 0 ? pass('no schema refers to the network') : fail(`network $ref (not fetched): ${offenders(found)}`);
  }),
} satisfies Record<string, CheckFn>;
