import { describe, expect, it } from 'vitest';
import { isUuid, mappingUuid } from '../../../src/mappings/mapping-uuid.js';

const RFC_4122_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:orders';
const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks';

describe('mappingUuid', () => {
  it('is a lowercase RFC 4122 version 5 UUID', () => {
    expect(mappingUuid('fn', QUEUE)).toMatch(RFC_4122_V5);
  });

  it('is the same for the same function and source, across calls', () => {
    expect(mappingUuid('fn', QUEUE)).toBe(mappingUuid('fn', QUEUE));
  });

  it('pins the derivation, so stored checkpoints keep their keys across releases', () => {
    // Equals Python's uuid.uuid5(UUID('0563c660-cedf-40ee-b158-dd7145a33c61'), 'fn\n' + QUEUE).
    expect(mappingUuid('fn', QUEUE)).toBe('194ac933-deb3-5fe8-a8c4-c276d9f08f86');
  });

  it('differs when the function or the source differs', () => {
    const uuids = new Set([mappingUuid('fn', QUEUE), mappingUuid('other', QUEUE), mappingUuid('fn', STREAM), mappingUuid('fnarn:aws', 'sqs')]);
    expect(uuids.size).toBe(4);
  });

  it('does not let a name boundary shift produce the same UUID', () => {
    expect(mappingUuid('ab', 'c')).not.toBe(mappingUuid('a', 'bc'));
  });
});

describe('isUuid', () => {
  it.each(['4fa9a88e-6c61-5479-9c89-8ff4c5bb8a86', 'A1B2C3D4-0000-4000-8000-000000000000'])('accepts %s', (value) => {
    expect(isUuid(value)).toBe(true);
  });

  it.each(['', 'not-a-uuid', '4fa9a88e6c6154799c898ff4c5bb8a86', '4fa9a88e-6c61-5479-9c89-8ff4c5bb8a8', '4fa9a88e-6c61-5479-9c89-8ff4c5bb8a86 '])(
    'refuses %j',
    (value) => {
      expect(isUuid(value)).toBe(false);
    },
  );
});
