// Kinesis consumer behind a filter, aggregating in tumbling windows. The mapping's FilterCriteria passes only
// records whose JSON data has type "click", so page views never invoke this function. It counts clicks per page
// over each window of TumblingWindowInSeconds: the counts travel from one invocation to the next as `state`, and
// the window's last invocation (isFinalInvokeForWindow, no records) reports the totals. A click without a page is
// reported in batchItemFailures with the counts so far, which makes the poller retry from that record (with that
// state), bisect the batch, and finally send a failure record to the mapping's on-failure destination.
export async function handler(event) {
  const clicksPerPage = { ...event.state };
  if (event.isFinalInvokeForWindow) {
    const ended = event.isWindowTerminatedEarly ? ' (ended early)' : '';
    console.log(`${event.shardId} window ${event.window.start} to ${event.window.end}${ended}: ${JSON.stringify(clicksPerPage)}`);
    return { state: {} };
  }
  for (const record of event.Records) {
    const click = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    if (typeof click.page !== 'string') {
      console.error(`record ${record.kinesis.sequenceNumber} has no page; reporting it`);
      return { state: clicksPerPage, batchItemFailures: [{ itemIdentifier: record.kinesis.sequenceNumber }] };
    }
    clicksPerPage[click.page] = (clicksPerPage[click.page] ?? 0) + 1;
  }
  console.log(`${event.shardId}: ${event.Records.length} clicks, window so far ${JSON.stringify(clicksPerPage)}`);
  return { state: clicksPerPage, batchItemFailures: [] };
}
