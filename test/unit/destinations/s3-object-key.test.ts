import { describe, expect, it } from 'vitest';
import { s3ObjectKey } from '../../../src/destinations/s3-object-key.js';

describe('s3ObjectKey', () => {
  it('follows aws/lambda/<ESM-UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid> in UTC', () => {
    const key = s3ObjectKey(
      '7a2d4b8e-1111-2222-3333-444455556666',
      'shardId-000000000001',
      new Date('2019-11-14T00:38:06.021Z'),
      '0b9f3f0a-aaaa-bbbb-cccc-ddddeeeeffff',
    );

    expect(key).toBe(
      'aws/lambda/7a2d4b8e-1111-2222-3333-444455556666/shardId-000000000001/2019/11/14/2019-11-14T00.38.06-0b9f3f0a-aaaa-bbbb-cccc-ddddeeeeffff',
    );
  });

  it('pads months, days and times and uses the UTC date', () => {
    const key = s3ObjectKey('u', 'shardId-00000001573689847184-864758bb', new Date('2024-03-05T23:07:09.999-02:00'), 'x');

    expect(key).toBe('aws/lambda/u/shardId-00000001573689847184-864758bb/2024/03/06/2024-03-06T01.07.09-x');
  });
});
