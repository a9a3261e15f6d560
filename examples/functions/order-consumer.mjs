// SQS consumer with a partial batch response (the mapping sets FunctionResponseTypes: [ReportBatchItemFailures]).
// Each message is an order; an order that cannot be processed is reported in batchItemFailures, so only that
// message becomes visible again and is retried (then moved to the dead-letter queue by the queue's redrive
// policy), while the rest of the batch is deleted.
export async function handler(event) {
  const batchItemFailures = [];
  let total = 0;
  for (const record of event.Records) {
    try {
      const order = JSON.parse(record.body);
      if (!Number.isInteger(order.quantity) || order.quantity <= 0) throw new Error(`order ${order.orderId}: quantity ${order.quantity} is not a positive integer`);
      total += order.quantity * order.unitPrice;
    } catch (err) {
      console.error(`message ${record.messageId} failed (receive ${record.attributes.ApproximateReceiveCount}): ${err.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  console.log(`processed ${event.Records.length - batchItemFailures.length}/${event.Records.length} orders, total ${total.toFixed(2)}`);
  return { batchItemFailures };
}
