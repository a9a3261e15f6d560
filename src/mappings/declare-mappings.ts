import { createHash } from 'node:crypto';
import type { EventSourceMapping } from './event-source-mapping.js';
import { MappingRevisionConflictError, type MappingStore } from './mapping-store.js';
import { userTransitionReason } from './mapping-state.js';

/** One mapping of the configuration file that the store refused (another mapping holds its function and source). */
export interface DeclarationConflict {
  readonly index: number;
  readonly mapping: EventSourceMapping;
  readonly cause: Error;
}

/**
 * Writes the configuration file's mappings into the fleet's store, as declarations:
 * - a mapping whose entry in the file is new or changed is created or updated (its UUID is stable);
 * - an unchanged entry changes nothing, so what the API did to it since (an update, a delete) stands;
 * - a mapping this file once declared and no longer does is deleted — but only when its function is one this
 *   replica configures, so replicas that serve other functions never delete each other's mappings.
 * Returns the entries the store refused.
 */
export async function declareConfiguredMappings(
  store: MappingStore,
  mappings: readonly EventSourceMapping[],
  functionNames: ReadonlySet<string>,
  nowMs: number = Date.now(),
): Promise<DeclarationConflict[]> {
  const conflicts: DeclarationConflict[] = [];
  for (const [index, mapping] of mappings.entries()) {
    const declared = { mapping, stateTransitionReason: userTransitionReason(mapping.sourceKind), lastModifiedMs: nowMs, tags: {} };
    try {
      await store.declare(declared, declarationHash(mapping));
    } catch (err) {
      conflicts.push({ index, mapping, cause: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  const declaredNow = new Set(mappings.map((mapping) => mapping.UUID));
  for (const uuid of (await store.declarations()).keys()) {
    if (declaredNow.has(uuid)) continue;
    const record = await store.get(uuid);
    if (record && !functionNames.has(record.mapping.FunctionName)) continue;
    if (record && record.state !== 'Deleting') {
      try {
        await store.replace(uuid, record.revision, { ...record, state: 'Deleting', stateTransitionReason: userTransitionReason(record.mapping.sourceKind) });
      } catch (err) {
        // Another replica starting with the same file got there first.
        if (!(err instanceof MappingRevisionConflictError)) throw err;
      }
    }
    await store.forgetDeclaration(uuid);
  }
  return conflicts;
}

/** Identifies the content of one declaration: a change of any field makes a new hash. */
function declarationHash(mapping: EventSourceMapping): string {
  return createHash('sha1').update(JSON.stringify(mapping)).digest('hex');
}
