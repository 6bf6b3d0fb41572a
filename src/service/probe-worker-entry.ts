// The module a probe worker thread starts from (see probe-pool.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { ProbeWorkerInit } from './probe-messages.ts';
import { serveProbes } from './probe-worker.ts';

if (parentPort === null) throw new Error('probe-worker-entry is a worker thread module');
serveProbes(parentPort, workerData as ProbeWorkerInit);
