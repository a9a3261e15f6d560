// Kinesis consumer behind a filter: the mapping's FilterCriteria passes only records whose JSON data has
// type "click", so page views never invoke this function. It counts clicks per page; a click without a page
// is reported in batchItemFailures, which makes the poller retry from that record, bisect the batch, and
// finally send a failure record to the mapping's on-failure destination.
export async function handler(event) {
  const clicksPerPage = {};
  for (const record of event.Records) {
    const click = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    if (typeof click.page !== 'string') {
      console.error(`record ${record.kinesis.sequenceNumber} has no page; reporting it`);
      return { batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
    }
    clicksPerPage[click.page] = (clicksPerPage[click.page] ?? 0) + 1;
  }
  const shard = event.Records[0]?.eventID.split(':')[0];
  console.log(`${shard}: ${event.Records.length} clicks ${JSON.stringify(clicksPerPage)}`);
  return { batchItemFailures: [] };
}
