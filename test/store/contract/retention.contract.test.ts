// Retention (retention-cases.ts) on every backend.
import { runContract } from './backends.ts';
import { RETENTION_CASES } from './retention-cases.ts';

runContract(RETENTION_CASES, (handle) => Promise.resolve(handle));
