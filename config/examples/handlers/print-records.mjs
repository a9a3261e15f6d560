// Example handler: logs each record and reports records whose body or data contains "fail" as failed items,
// so the demo shows partial batch responses and retries.
export async function handler(event, context) {
  const failures = [];
  for (const record of event.Records) {
    const text = record.body ?? (record.kinesis ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : JSON.stringify(record.dynamodb));
    const id = record.messageId ?? record.kinesis?.sequenceNumber ?? record.dynamodb?.SequenceNumber;
    console.log(JSON.stringify({ function: context.functionName, id, text }));
    if (text.includes('fail')) failures.push({ itemIdentifier: id });
  }
  return { batchItemFailures: failures };
}
