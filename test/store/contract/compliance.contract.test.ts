// The ComplianceStore cases (compliance-cases.ts) on every backend.
import { runContract } from './backends.ts';
import { COMPLIANCE_CASES } from './compliance-cases.ts';

runContract(COMPLIANCE_CASES, async (handle) => {
  const storage = await handle.open();
  return { compliance: storage.compliance, endpoints: storage.store };
});
