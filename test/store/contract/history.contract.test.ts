// History, incidents, events and migrations from empty (history-cases.ts) on every backend.
import { runContract } from './backends.ts';
import { HISTORY_CASES } from './history-cases.ts';

runContract(HISTORY_CASES, (handle) => Promise.resolve(handle));
