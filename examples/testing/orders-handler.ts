// The function under test: processes order messages and reports the ones it cannot take as batch item failures.
interface SqsEvent {
  readonly Records: readonly { readonly messageId: string; readonly body: string }[];
}

export async function handler(event: SqsEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const batchItemFailures = [];
  for (const record of event.Records) {
    const order = JSON.parse(record.body) as { quantity: number };
    if (order.quantity <= 0) batchItemFailures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures };
}
