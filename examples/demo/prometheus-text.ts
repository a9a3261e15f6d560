/** One sample of a Prometheus text exposition: `name{label="value",…} value`. */
export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a `/metrics` response; comments (`# HELP`, `# TYPE`) and blank lines are skipped. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line.trim());
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(LABEL_PAIR)) {
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of `name`'s samples whose labels include every pair of `where`. */
export function sumOf(samples: readonly MetricSample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  return matching(samples, name, where).reduce((total, sample) => total + sample.value, 0);
}

/** The largest of `name`'s matching samples, or undefined when there is none. */
export function maxOf(samples: readonly MetricSample[], name: string, where: Readonly<Record<string, string>> = {}): number | undefined {
  const values = matching(samples, name, where).map((sample) => sample.value);
  return values.length > 0 ? Math.max(...values) : undefined;
}

function matching(samples: readonly MetricSample[], name: string, where: Readonly<Record<string, string>>): MetricSample[] {
  return samples.filter((sample) => sample.name === name && Object.entries(where).every(([label, value]) => sample.labels[label] === value));
}
