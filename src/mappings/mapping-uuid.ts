import { createHash } from 'node:crypto';

/** Namespace of mapping UUIDs (a fixed random UUID); changing it would orphan every stored checkpoint. */
const MAPPING_UUID_NAMESPACE = '0563c660-cedf-40ee-b158-dd7145a33c61';

const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The UUID of a mapping whose configuration gives none: a name-based UUID (RFC 4122 version 5, SHA-1) of
 * FunctionName and EventSourceArn. The same pair always yields the same UUID, so checkpoints and leases kept
 * under it survive restarts.
 */
export function mappingUuid(functionName: string, eventSourceArn: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(MAPPING_UUID_NAMESPACE.replaceAll('-', ''), 'hex'))
    .update(`${functionName}\n${eventSourceArn}`, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** True for a UUID in the 8-4-4-4-12 hexadecimal form (any version), as AWS prints mapping UUIDs. */
export function isUuid(value: string): boolean {
  return UUID_FORMAT.test(value);
}
