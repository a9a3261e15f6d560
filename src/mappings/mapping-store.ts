import type { EventSourceMapping } from './event-source-mapping.js';
import type { MappingState } from './mapping-state.js';

/**
 * One event source mapping as the fleet shares it: the validated configuration plus what the management API
 * reports about it. Every replica reads the same record from the store.
 */
export interface StoredMapping {
  /** The validated configuration, defaults filled in (its `UUID` is the record's key). */
  readonly mapping: EventSourceMapping;
  readonly state: MappingState;
  /** Who made the last change: `USER_INITIATED` (SQS) or `User action` (streams), as AWS reports it. */
  readonly stateTransitionReason: string;
  /** When the configuration last changed, epoch milliseconds. */
  readonly lastModifiedMs: number;
  readonly tags: Readonly<Record<string, string>>;
  /** Grows by one at every change of this record; replicas acknowledge the revision they applied. */
  readonly revision: number;
}

/** What a create or replace writes; the store assigns `revision`. */
export type MappingRecordInput = Omit<StoredMapping, 'revision'>;

/** A mapping for the same function and source already exists (AWS: ResourceConflictException). */
export class MappingConflictError extends Error {
  override readonly name = 'MappingConflictError';
  constructor(readonly existingUuid: string) {
    super(`A mapping for this function and source already exists: ${existingUuid}`);
  }
}

/** AWS's ResourceConflictException message for a second mapping of one function and source (spec §1.3). */
export function duplicateMappingMessage(mapping: Pick<EventSourceMapping, 'sourceKind' | 'EventSourceArn' | 'FunctionName'>, existingUuid: string): string {
  return mapping.sourceKind === 'sqs'
    ? `An event source mapping with SQS arn (" ${mapping.EventSourceArn} ") and function (" ${mapping.FunctionName} ") already exists. Please update or delete the existing mapping with UUID ${existingUuid}`
    : `The event source arn (" ${mapping.EventSourceArn} ") and function (" ${mapping.FunctionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${existingUuid}`;
}

/** The record changed since it was read (another request won the race); read it again. */
export class MappingRevisionConflictError extends Error {
  override readonly name = 'MappingRevisionConflictError';
  constructor(readonly uuid: string) {
    super(`Mapping ${uuid} changed concurrently`);
  }
}

export interface ListMappingsQuery {
  readonly functionName?: string;
  readonly eventSourceArn?: string;
  /** The UUID after which the page starts (exclusive), as returned in `nextMarker`. */
  readonly marker?: string;
  readonly maxItems: number;
}

export interface MappingPage {
  readonly items: readonly StoredMapping[];
  readonly nextMarker?: string;
}

/** What the replicas running a mapping report about it, shared through the store. */
export interface SharedMappingStatus {
  /** `LastProcessingResult`. */
  readonly lastProcessingResult: string;
  /** A problem reading the source that stands now (`PROBLEM: …`); the API shows it as `StateTransitionReason`. */
  readonly sourceProblem: string | undefined;
  /** The last failed delivery to the on-failure destination (`PROBLEM: …`), cleared by the next delivery. */
  readonly destinationProblem: string | undefined;
}

/** Every record of the store and its fleet marker at one instant. */
export interface StoreSnapshot {
  readonly records: StoredMapping[];
  readonly fleetMarker: string | undefined;
}

/** Outcome of an acknowledgement: the transition may have ended with it. */
export type AcknowledgeResult = 'pending' | 'settled' | 'deleted' | 'missing';

/**
 * The fleet's shared source of truth for event source mappings. Writes are atomic per record and fenced by
 * the record's revision; every write bumps a store-wide change counter that supervisors watch.
 */
export interface MappingStore {
  /** Stores a new record (revision 1). Throws {@link MappingConflictError} when the function/source pair is taken or the UUID exists. */
  create(record: MappingRecordInput): Promise<StoredMapping>;
  get(uuid: string): Promise<StoredMapping | undefined>;
  /** Every record, ordered by UUID. */
  all(): Promise<StoredMapping[]>;
  /** Every record and the fleet marker (see {@link establishFleetMarker}), read together. */
  snapshot(): Promise<StoreSnapshot>;
  /**
   * Writes the fleet's marker unless one exists and returns the marker stored. A replica that later finds the
   * marker gone or different knows that Redis lost data since.
   */
  establishFleetMarker(candidate: string): Promise<string>;
  /** Writes back a record that Redis lost (same UUID, configuration and state); false when it exists already. */
  restore(record: StoredMapping): Promise<boolean>;
  list(query: ListMappingsQuery): Promise<MappingPage>;
  /**
   * Replaces a record if its revision is still `expectedRevision`; returns the stored record (revision + 1).
   * Throws {@link MappingRevisionConflictError} when it changed meanwhile; returns undefined when it is gone.
   */
  replace(uuid: string, expectedRevision: number, next: MappingRecordInput): Promise<StoredMapping | undefined>;
  /** A number that changes whenever any record changes: a cheap way for supervisors to notice work. */
  changeCounter(): Promise<number>;
  /**
   * Records that `workerId` applied `revision` of a mapping. When every live replica has applied the current
   * revision, a transitional state ends: Creating/Enabling/Updating → Enabled (or Disabled), Disabling →
   * Disabled, and Deleting removes the record ('deleted': the caller then removes the mapping's other keys).
   */
  acknowledge(uuid: string, revision: number, workerId: string): Promise<AcknowledgeResult>;
  /** Announces `workerId` as a live replica until `ttlMs` from now. */
  heartbeat(workerId: string, ttlMs: number): Promise<void>;
  /** How many replicas are live now (their heartbeat has not expired). */
  liveReplicas(): Promise<number>;
  /** Withdraws a stopping replica, so transitions no longer wait for it. */
  leave(workerId: string): Promise<void>;
  /**
   * Applies a configuration-file declaration: when `declarationHash` differs from the one last applied for the
   * record's UUID, the record is created or replaced with `record` (state as given) and the hash remembered;
   * when it is the same, nothing changes — whatever the API did since (an update, a delete) stands.
   * The state follows from the change (stateForCreate / stateForUpdate). Returns true when it wrote.
   */
  declare(declared: Omit<MappingRecordInput, 'state'>, declarationHash: string): Promise<boolean>;
  /** UUID → hash of every configuration-file declaration applied (including those deleted since through the API). */
  declarations(): Promise<Map<string, string>>;
  /** Forgets a declaration (its mapping left the configuration file). */
  forgetDeclaration(uuid: string): Promise<void>;
  /** Sets a mapping's status for every replica to read: a field given as undefined is cleared. */
  setStatus(uuid: string, status: Partial<SharedMappingStatus>): Promise<void>;
  /** A mapping's status as last shared (fields never set are absent). */
  status(uuid: string): Promise<Partial<SharedMappingStatus>>;
}
