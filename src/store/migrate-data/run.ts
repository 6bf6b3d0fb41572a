// `mcpwatch migrate-data` as one call: source opened and locked, target opened and locked, the
// copy (unless only verifying), the verification, everything closed whatever happens.
import { type CopyOptions, type CopyReport, copyAll, openTarget } from './copy.ts';
import { MigrateDataError, openSource } from './source.ts';
import { type VerifyReport, verify } from './verify.ts';

export { MigrateDataError } from './source.ts';
export type { CopyProgress } from './copy.ts';
export { formatReport } from './verify.ts';

export interface MigrateDataOptions extends CopyOptions {
  readonly from: string;
  readonly to: string;
  readonly verifyOnly?: boolean;
  /** mcpwatch's version, for the instance lock's holder row. */
  readonly version: string;
  /** Told what is about to happen (the target's redacted URL, preparation of the source). */
  readonly onNote?: (line: string) => void;
}

export interface MigrateDataResult {
  readonly copy?: CopyReport;
  readonly verification: VerifyReport;
}

export async function migrateData(options: MigrateDataOptions): Promise<MigrateDataResult> {
  const source = await openSource(options.from, { version: options.version });
  try {
    for (const line of source.prepared) options.onNote?.(line);
    const target = await openTarget(options.to);
    try {
      let copy: CopyReport | undefined;
      if (options.verifyOnly !== true) {
        copy = await copyAll(source, target, options).catch((error: unknown) => {
          if (error instanceof MigrateDataError) throw error;
          // A lost connection, a full disk: what was committed stays, and the next run continues from it.
          throw new MigrateDataError(`copying into ${target.location} stopped: ${error instanceof Error ? error.message : String(error)}; run the same command again to continue`, { cause: error });
        });
        const { region, rows } = copy.regionStates;
        options.onNote?.(`${copy.resumed ? 'resumed and finished' : 'finished'} copying ${source.path} into ${target.location}; verifying`);
        options.onNote?.(`region ${JSON.stringify(region)} continues from the copied endpoint states (${rows} seeded); nodes of another region start from unknown`);
      }
      const verification = await verify(source, target, options.clock !== undefined ? { clock: options.clock } : {});
      return copy !== undefined ? { copy, verification } : { verification };
    } finally {
      await target.close();
    }
  } finally {
    source.close();
  }
}
