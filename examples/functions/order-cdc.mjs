// DynamoDB Streams change-data-capture: turns each stream record (NEW_AND_OLD_IMAGES) into a change event
// naming the fields that changed, as a handler feeding a search index or an audit log would.
function plain(image = {}) {
  const out = {};
  for (const [name, value] of Object.entries(image)) {
    const [type, raw] = Object.entries(value)[0];
    out[name] = type === 'N' ? Number(raw) : raw;
  }
  return out;
}

export async function handler(event) {
  for (const record of event.Records) {
    const keys = plain(record.dynamodb.Keys);
    const before = plain(record.dynamodb.OldImage);
    const after = plain(record.dynamodb.NewImage);
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (field) => !(field in keys) && JSON.stringify(before[field]) !== JSON.stringify(after[field]),
    );
    const changes = fields.map((field) => `${field}: ${JSON.stringify(before[field] ?? null)} -> ${JSON.stringify(after[field] ?? null)}`);
    console.log(`${record.eventName} ${JSON.stringify(keys)} ${changes.join(', ') || 'no change'}`);
  }
  return {};
}
