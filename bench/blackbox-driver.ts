// Drives blackbox_exporter like a Prometheus with one scrape job per endpoint: GET
// /probe?target=https://e<i>.fleet.test:PORT/mcp&module=M for i = 0, 1, … at a fixed rate, open
// loop (a slow answer never delays the next request), in its own process so its CPU is reported
// apart. Prints one JSON line a second with running totals: sent, answered, probe_success 1, and
// the failures keyed by blackbox's own facts (HTTP status, regexp).
//   bench/blackbox-driver.ts RATE NAMES FLEET_PORT MODULE EXPORTER_PORT
import { Agent, get } from 'node:http';

const [rateArg, namesArg, fleetPort, module, exporterPort] = process.argv.slice(2);
const rate = Number(rateArg);
const names = Number(namesArg);
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const totals = { sent: 0, answered: 0, up: 0, inFlight: 0, failures: {} as Record<string, number> };
const PROBE_SUCCESS = /^probe_success (\S+)$/m;
const STATUS = /^probe_http_status_code (\S+)$/m;
const REGEX = /^probe_failed_due_to_regex 1$/m;

function fail(key: string): void {
  totals.failures[key] = (totals.failures[key] ?? 0) + 1;
}

function probe(i: number): void {
  const target = encodeURIComponent(`https://e${i}.fleet.test:${fleetPort}/mcp`);
  totals.sent++;
  totals.inFlight++;
  const req = get({ host: '127.0.0.1', port: Number(exporterPort), path: `/probe?target=${target}&module=${module}`, agent }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => {
      totals.inFlight--;
      totals.answered++;
      if (PROBE_SUCCESS.exec(body)?.[1] === '1') totals.up++;
      else fail(REGEX.test(body) ? 'regexp' : `http ${STATUS.exec(body)?.[1] ?? '?'}`);
    });
  });
  req.on('error', (error) => {
    totals.inFlight--;
    fail(`exporter ${error.message}`);
  });
}

// Due requests are counted from the start, so timer slack is made up on the next tick.
const started = performance.now();
let next = 0;
setInterval(() => {
  const due = Math.floor(((performance.now() - started) / 1000) * rate);
  for (; next < due; next++) probe(next % names);
}, 5);
setInterval(() => process.stdout.write(`${JSON.stringify(totals)}\n`), 1000);
process.on('SIGTERM', () => process.exit(0));
