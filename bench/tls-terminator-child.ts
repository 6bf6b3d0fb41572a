// Runs the TLS terminator in its own process so the benchmark's CPU figures are the probe's alone.
import { readFileSync } from 'node:fs';
import { startTlsTerminator } from '../test/fixtures/tls-terminator.ts';

const [certFile, upstreamPort, upstreamHost] = process.argv.slice(2);
const cert = JSON.parse(readFileSync(certFile!, 'utf8')) as { certPem: string; keyPem: string; chainPem: string };
const terminator = await startTlsTerminator(cert, Number(upstreamPort), upstreamHost);
process.stdout.write(`${terminator.port}\n`);
process.on('SIGTERM', () => {
  void terminator.close().then(() => process.exit(0));
});
