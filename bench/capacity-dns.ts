// The capacity bench's DNS server, in a child process so its CPU is charged to neither prober:
// e<i>.fleet.test for i in 0..names-1 resolves to the fleet host i serves from (A only; AAAA is
// NODATA), on 127.0.0.1:53 (the bench runs in a namespace of its own, where port 53 is ours and
// /etc/resolv.conf names it, so blackbox_exporter's resolver asks it too).
//   bench/capacity-dns.ts NAMES HOSTS TTL
import { startDnsServer, type DnsBehaviour } from '../test/fixtures/dns-server.ts';
import { fleetHostAddress } from './fleet-address.ts';

const [names, hosts, ttl] = process.argv.slice(2).map(Number) as [number, number, number];
const zone: Record<string, DnsBehaviour> = {};
for (let i = 0; i < names; i++) zone[`e${i}.fleet.test`] = { a: [fleetHostAddress((i % hosts) + 1)], ttl };
const server = await startDnsServer(zone, { port: 53, record: false });
process.stdout.write(`${server.address}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
