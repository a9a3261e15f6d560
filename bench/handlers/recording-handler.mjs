// The benchmark's function: does nothing with the records, and appends one JSON line per invocation to the file
// named by BENCH_RECORD_FILE: {"start","end"} (epoch ms with sub-millisecond precision), "count" (records), and
// "shard" (the first record's shard, for stream events). With BENCH_LATENCY=1 it adds "sent": the send
// timestamps the benchmark wrote into the records (`{"sentAt":…}` bodies and data, or a `sentAt` attribute).
// BENCH_HANDLER_DELAY_MS makes every invocation take that long (a timer, no CPU) before it returns.
// Lines are written at most FLUSH_MS after their invocation, in one write per environment: an open, append and
// close per invocation would be the function's own cost, counted in the service's CPU, which the bare loops do not pay.
import { openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const recordFile = process.env.BENCH_RECORD_FILE;
const withLatency = process.env.BENCH_LATENCY === '1';
const delayMs = Number(process.env.BENCH_HANDLER_DELAY_MS ?? 0);
const now = () => performance.timeOrigin + performance.now();
const FLUSH_MS = 20;

let pending = '';
let file;
function flush() {
  file ??= openSync(recordFile, 'a');
  writeSync(file, pending);
  pending = '';
}

function sentAtOf(record) {
  if (record.body !== undefined) return JSON.parse(record.body).sentAt;
  if (record.kinesis !== undefined) return JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()).sentAt;
  if (record.dynamodb !== undefined) return Number(record.dynamodb.NewImage.sentAt.N);
  return undefined;
}

export const handler = async (event) => {
  const start = now();
  const records = event.Records ?? [];
  const line = { start, count: records.length };
  const eventId = records[0]?.eventID;
  if (typeof eventId === 'string' && eventId.startsWith('shardId-')) line.shard = eventId.slice(0, eventId.indexOf(':'));
  if (withLatency) line.sent = records.map(sentAtOf);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  line.end = now();
  if (!recordFile) return;
  if (pending === '') setTimeout(flush, FLUSH_MS);
  pending += `${JSON.stringify(line)}\n`;
};
