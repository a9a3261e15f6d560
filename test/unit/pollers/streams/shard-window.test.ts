import { describe, expect, it } from 'vitest';
import { ShardWindow } from '../../../../pollers/streams/shard-window.js';
import { WINDOW_CLOSE_DELAY_MS } from '../../../../pollers/streams/tumbling-window.js';

const T0 = 1_700_000_000_000; // a whole second

describe('ShardWindow', () => {
  it('starts a fresh window for the first record and keeps it for records of the same window', () => {
    const shard = new ShardWindow(2);
    expect(shard.next(undefined, false)).toBeUndefined();
    const first = shard.next(T0 + 500, false);
    expect(first).toEqual({ kind: 'batch', window: { startMs: T0, endMs: T0 + 2_000, state: '{}', terminatedEarly: false } });
    shard.apply({ ...first!.window, state: '{"n":1}' });
    expect(shard.next(T0 + 1_999, false)).toEqual({ kind: 'batch', window: { startMs: T0, endMs: T0 + 2_000, state: '{"n":1}', terminatedEarly: false } });
  });

  it('closes the open window before a record of a later window', () => {
    const shard = new ShardWindow(2, { startMs: T0, endMs: T0 + 2_000, state: '{"n":3}', terminatedEarly: false });
    expect(shard.next(T0 + 2_000, false)).toEqual({ kind: 'close', window: shard.current });
    shard.apply(null);
    expect(shard.current).toBeUndefined();
    expect(shard.next(T0 + 2_000, false)).toMatchObject({ kind: 'batch', window: { startMs: T0 + 2_000, state: '{}' } });
  });

  it('closes an idle window once a caught-up read was made after its end, or at once when the shard ended', () => {
    const shard = new ShardWindow(2, { startMs: T0, endMs: T0 + 2_000, state: '{}', terminatedEarly: false });
    shard.caughtUp(T0 + 2_000);
    expect(shard.next(undefined, false)).toBeUndefined();
    shard.caughtUp(T0 + 1_000); // an older read changes nothing
    shard.caughtUp(T0 + 2_000 + WINDOW_CLOSE_DELAY_MS);
    expect(shard.next(undefined, false)).toEqual({ kind: 'close', window: shard.current });
    expect(new ShardWindow(2, shard.current).next(undefined, true)).toEqual({ kind: 'close', window: shard.current });
  });

  it('ends a window whose state outgrew its limit before anything else', () => {
    const early = { startMs: T0, endMs: T0 + 2_000, state: '{"big":true}', terminatedEarly: true };
    expect(new ShardWindow(2, early).next(T0 + 10, false)).toEqual({ kind: 'close', window: early });
  });
});
