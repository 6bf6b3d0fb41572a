// `npm run bench`: prints figures, never fails on a number.
import { benchProbe } from './probe.bench.ts';

await benchProbe();
