// The RegistryStore cases (registry-cases.ts) on every backend.
import { runContract } from './backends.ts';
import { registryCases } from './registry-cases.ts';

runContract(registryCases, async (handle) => ({ storage: await handle.open(), reopen: () => handle.open() }));
