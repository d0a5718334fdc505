// The Prometheus text exposition format (version 0.0.4), every name prefixed musicflow_.

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface Metric {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<{ labels?: Record<string, string | number>; value: number }>;
}

export function one(name: string, type: Metric['type'], help: string, value: number): Metric {
  return { name: `musicflow_${name}`, type, help, samples: [{ value }] };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function renderPrometheus(metrics: readonly Metric[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const sample of m.samples) {
      const labels = sample.labels
        ? `{${Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}`
        : '';
      lines.push(`${m.name}${labels} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
