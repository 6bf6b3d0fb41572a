// Rollups and uptime (rollup-cases.ts) on every backend.
import { runContract } from './backends.ts';
import { ROLLUP_CASES } from './rollup-cases.ts';

runContract(ROLLUP_CASES, (handle) => Promise.resolve(handle));
