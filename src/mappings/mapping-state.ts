/**
 * The states of an event source mapping (spec §1.4) and what each means for the pollers of every replica.
 *
 *   create ──► Creating ──► Enabled ◄── Enabling ◄── (update Enabled: true on a disabled mapping)
 *   create Enabled:false ──► Disabled ◄── Disabling ◄── (update Enabled: false)
 *   other update ──► Updating ──► Enabled (or Disabled when the mapping is disabled)
 *   delete ──► Deleting ──► gone
 *
 * A transitional state ends once every live replica has applied the change (see MappingStore.acknowledge).
 */
export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

const TRANSITIONAL: ReadonlySet<MappingState> = new Set(['Creating', 'Enabling', 'Disabling', 'Updating', 'Deleting']);

/** True while a change is being applied; AWS refuses updates and deletes then (ResourceInUseException). */
export function isTransitional(state: MappingState): boolean {
  return TRANSITIONAL.has(state);
}

/** True when replicas should run pollers for a mapping in this state with this `Enabled` flag. */
export function runsPollers(state: MappingState, enabled: boolean): boolean {
  return enabled && state !== 'Disabling' && state !== 'Disabled' && state !== 'Deleting';
}

/** The state a transition ends in once applied everywhere; undefined for Deleting (the mapping is removed). */
export function settledStateOf(state: MappingState, enabled: boolean): MappingState | undefined {
  if (state === 'Deleting') return undefined;
  return enabled ? 'Enabled' : 'Disabled';
}

/** The state a new mapping starts in (AWS: Creating, or Disabled when created with `Enabled: false`). */
export function stateForCreate(enabled: boolean): MappingState {
  return enabled ? 'Creating' : 'Disabled';
}

/** The state an update moves a mapping to: Enabling, Disabling, or Updating for any other change. */
export function stateForUpdate(wasEnabled: boolean, enabled: boolean): MappingState {
  if (!wasEnabled && enabled) return 'Enabling';
  if (wasEnabled && !enabled) return 'Disabling';
  return 'Updating';
}

/** `StateTransitionReason` after a change a user made, as AWS words it per source (spec §1.4). */
export function userTransitionReason(sourceKind: 'sqs' | 'kinesis' | 'dynamodb'): string {
  return sourceKind === 'sqs' ? 'USER_INITIATED' : 'User action';
}
