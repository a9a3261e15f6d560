/**
 * Key of an on-failure record written to S3 (spec §3.7):
 * `aws/lambda/<ESM-UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random uuid>`, UTC, from the record's timestamp.
 */
export function s3ObjectKey(mappingUuid: string, shardId: string, timestamp: Date, uuid: string): string {
  return datedKey(`aws/lambda/${mappingUuid}/${shardId}`, timestamp, uuid);
}

/**
 * Key of an asynchronous invocation's failure record written to S3 (spec §6.3):
 * `aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random uuid>`, UTC.
 */
export function s3AsyncObjectKey(functionName: string, timestamp: Date, uuid: string): string {
  return datedKey(`aws/lambda/async/${functionName}`, timestamp, uuid);
}

function datedKey(prefix: string, timestamp: Date, uuid: string): string {
  const yyyy = String(timestamp.getUTCFullYear()).padStart(4, '0');
  const mm = pad(timestamp.getUTCMonth() + 1);
  const dd = pad(timestamp.getUTCDate());
  const time = `${pad(timestamp.getUTCHours())}.${pad(timestamp.getUTCMinutes())}.${pad(timestamp.getUTCSeconds())}`;
  return `${prefix}/${yyyy}/${mm}/${dd}/${yyyy}-${mm}-${dd}T${time}-${uuid}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
