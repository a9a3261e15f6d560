import { describe, expect, it } from 'vitest';
import { mappingRows, renderScreen } from '../../../examples/demo/demo-view.js';
import { maxOf, parsePrometheusText, sumOf } from '../../../examples/demo/prometheus-text.js';

const METRICS = [
  '# HELP esm_invoked_events_total Events sent to the function; retries count again.',
  '# TYPE esm_invoked_events_total counter',
  'esm_invoked_events_total{mapping="a",function="order-consumer",source="sqs"} 40',
  'esm_invoked_events_total{mapping="b",function="click-counter",source="kinesis"} 90',
  'esm_failed_invoke_events_total{mapping="a",function="order-consumer",source="sqs"} 4',
  'esm_failed_invoke_events_total{mapping="b",function="click-counter",source="kinesis"} 6',
  'esm_polled_events_total{mapping="b",function="click-counter",source="kinesis"} 120',
  'esm_filtered_out_events_total{mapping="b",function="click-counter",source="kinesis"} 30',
  'esm_on_failure_destination_delivered_events_total{mapping="b",function="click-counter",source="kinesis"} 2',
  'esm_iterator_age_seconds{mapping="b",function="click-counter",source="kinesis",shard="shardId-000000000000"} 0.4',
  'esm_iterator_age_seconds{mapping="b",function="click-counter",source="kinesis",shard="shardId-000000000001"} 1.5',
  'esm_function_invocations_total{function="weird \\"name\\"",outcome="success"} 3',
  'esm_invocation_duration_seconds_bucket{mapping="a",function="order-consumer",source="sqs",outcome="success",le="+Inf"} 7',
].join('\n');

describe('Prometheus text', () => {
  it('parses samples with labels, escapes and special values', () => {
    const samples = parsePrometheusText(METRICS);
    expect(samples).toHaveLength(11);
    expect(samples[9]).toEqual({ name: 'esm_function_invocations_total', labels: { function: 'weird "name"', outcome: 'success' }, value: 3 });
    expect(samples[10]!.labels.le).toBe('+Inf');
    expect(sumOf(samples, 'esm_invoked_events_total')).toBe(130);
    expect(sumOf(samples, 'esm_invoked_events_total', { source: 'sqs' })).toBe(40);
    expect(maxOf(samples, 'esm_iterator_age_seconds', { function: 'click-counter' })).toBe(1.5);
    expect(maxOf(samples, 'esm_iterator_age_seconds', { function: 'order-consumer' })).toBeUndefined();
  });
});

describe('the demo screen', () => {
  const rows = mappingRows(
    [
      { source: 'sqs', functionName: 'order-consumer' },
      { source: 'kinesis', functionName: 'click-counter' },
    ],
    parsePrometheusText(METRICS),
    { sqs: 50, kinesis: 120, dynamodb: 0 },
    3,
  );

  it('computes one row per mapping: delivered is invoked less failed, SQS destinations are its DLQ', () => {
    expect(rows).toEqual([
      { source: 'sqs', functionName: 'order-consumer', produced: 50, polled: 0, filtered: 0, delivered: 36, failed: 4, sentToDestinations: 3, iteratorAgeSeconds: undefined },
      { source: 'kinesis', functionName: 'click-counter', produced: 120, polled: 120, filtered: 30, delivered: 84, failed: 6, sentToDestinations: 2, iteratorAgeSeconds: 1.5 },
    ]);
  });

  it('renders a table, where things are, and the handlers’ lines', () => {
    const text = renderScreen({
      rows,
      serviceUrl: 'http://127.0.0.1:9050',
      logFile: '/tmp/demo.log',
      elapsedSeconds: 12.4,
      handlerLines: ['[order-consumer 1234abcd] processed 5/5 orders'],
      notes: ['a note'],
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('esm-poller demo — 12 s — Ctrl-C stops everything');
    expect(lines[2]).toBe('mapping         source   produced  polled  filtered  delivered  failed  to DLQ/dest.  iterator age');
    expect(lines[3]).toBe('order-consumer  sqs            50       0         0         36       4             3             -');
    expect(lines[4]).toBe('click-counter   kinesis       120     120        30         84       6             2         1.5 s');
    expect(text).toContain('metrics     http://127.0.0.1:9050/metrics');
    expect(text).toContain('service log /tmp/demo.log');
    expect(lines.at(-1)).toBe('  [order-consumer 1234abcd] processed 5/5 orders');
  });
});
