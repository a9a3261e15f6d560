// Receives the changes of the customers table (named by its environment).
export const handler = async (event) => ({ table: process.env.TABLE_NAME, stage: process.env.STAGE, changes: event.Records.map((record) => record.eventName) });
