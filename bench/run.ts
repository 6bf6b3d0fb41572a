// `npm run bench [probe|probe-cost|metrics|pages|endpoint-page|fleet|hosts|storage|cluster|registry|capacity]`: prints figures, never fails on a number.
// BENCH_FLEET=1000,5000 BENCH_WORKERS=0,2 compares probe.workers settings at each fleet size.
// `capacity` (not in `all`: minutes per row, a namespace and optionally blackbox_exporter): the real
// serve against BENCH_CAPACITY=10000,50000 host names over TLS; BENCH_CAPACITY_PEER=blackbox runs
// blackbox_exporter at the same rate and prints the CPU ratio (the other knobs: capacity.bench.ts).
import { benchCapacity } from './capacity.bench.ts';
import { benchCluster } from './cluster.bench.ts';
import { benchEndpointPage } from './endpoint-page.bench.ts';
import { benchFleet } from './fleet.bench.ts';
import { benchHosts } from './hosts.bench.ts';
import { benchMetrics } from './metrics.bench.ts';
import { benchPages } from './pages.bench.ts';
import { benchProbe } from './probe.bench.ts';
import { benchProbeCost } from './probe-cost.bench.ts';
import { benchRegistry } from './registry.bench.ts';
import { benchStorage } from './storage.bench.ts';

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'probe') await benchProbe();
if (which === 'all' || which === 'probe-cost') await benchProbeCost();
if (which === 'all' || which === 'metrics') await benchMetrics();
if (which === 'all' || which === 'pages') await benchPages((process.env.BENCH_PAGES ?? '50,500,2000').split(',').map(Number));
if (which === 'all' || which === 'endpoint-page') await benchEndpointPage((process.env.BENCH_ENDPOINT_PAGE ?? '100,1000').split(',').map(Number));
if (which === 'all' || which === 'fleet') await benchFleet((process.env.BENCH_FLEET ?? '1000,5000').split(',').map(Number), (process.env.BENCH_WORKERS ?? '0').split(',').map(Number));
if (which === 'all' || which === 'hosts') await benchHosts();
if (which === 'all' || which === 'storage') await benchStorage();
if (which === 'all' || which === 'cluster') await benchCluster((process.env.BENCH_CLUSTER ?? '1,2,4').split(',').map(Number));
if (which === 'all' || which === 'registry') await benchRegistry();
if (which === 'capacity') await benchCapacity();
