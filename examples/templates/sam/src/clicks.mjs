// Counts clicks read from Kinesis.
export const handler = async (event) => ({ clicks: event.Records.length });
