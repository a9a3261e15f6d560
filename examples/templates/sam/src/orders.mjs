// Takes orders from SQS; an order without a quantity is reported as a batch item failure.
export const handler = async (event) => ({
  batchItemFailures: event.Records.filter((record) => !JSON.parse(record.body).quantity).map((record) => ({ itemIdentifier: record.messageId })),
});
