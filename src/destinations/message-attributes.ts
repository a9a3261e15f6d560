import type { DeliveryAttribute } from './destination-target.js';

/** A delivery's attributes in the shape SQS `SendMessage` and SNS `Publish` both take (`DataType`, `StringValue`). */
export function messageAttributesOf(
  attributes: Readonly<Record<string, DeliveryAttribute>> | undefined,
): Record<string, { DataType: string; StringValue: string }> | undefined {
  if (!attributes) return undefined;
  return Object.fromEntries(Object.entries(attributes).map(([name, { type, value }]) => [name, { DataType: type, StringValue: value }]));
}
