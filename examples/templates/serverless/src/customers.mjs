// Receives the changes of the customers table.
export const handler = async (event) => ({ changes: event.Records.map((record) => record.eventName) });
