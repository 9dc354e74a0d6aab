// The bench's figures: each measured value with its SPEC 11 target and a PASS/MISS verdict; table and JSON forms.

export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  key: string;
  section: string;
  label: string;
  /** Null when it could not be measured (then `note` says why). */
  value: number | null;
  unit: string;
  /** Extra numbers shown next to the value (p50, max, lag...). */
  detail?: Record<string, number>;
  target?: Target;
  /** Why the value could not be measured; shown only when `value` is null. */
  note?: string;
}

export type Verdict = 'PASS' | 'MISS' | 'info' | 'n/a';

export function verdict(f: Figure): Verdict {
  if (f.value === null || Number.isNaN(f.value)) return 'n/a';
  if (!f.target) return 'info';
  return (f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value) ? 'PASS' : 'MISS';
}

/** `telecare bench`'s exit code: 1 when any figure misses its target, else 0 (figures not measured do not count). */
export function exitCodeFor(figures: readonly Figure[]): 0 | 1 {
  return figures.some((f) => verdict(f) === 'MISS') ? 1 : 0;
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (Number.isInteger(v) || abs >= 10_000) return Math.round(v).toLocaleString('en-GB');
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatValue(f: Figure): string {
  if (f.value === null || Number.isNaN(f.value)) return `n/a (${f.note ?? 'not measured'})`;
  const main = `${formatNumber(f.value)} ${f.unit}`.trim();
  const extra = Object.entries(f.detail ?? {}).map(([k, v]) => `${k} ${formatNumber(v)}`);
  return extra.length > 0 ? `${main} (${extra.join(', ')})` : main;
}

export function formatTarget(f: Figure): string {
  return f.target ? `${f.target.op === '<=' ? '≤' : '≥'} ${formatNumber(f.target.value)} ${f.unit}`.trim() : '';
}

/** One plain-text table: section, figure, measured, target, verdict. */
export function renderTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.section, f.label, formatValue(f), formatTarget(f), verdict(f)]);
  const header = ['', 'figure', 'measured', 'target', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Array.from(r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - Array.from(c).length))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let lastSection = '';
  for (const r of rows) {
    const section = r[0] ?? '';
    out.push(line([section === lastSection ? '' : section, ...r.slice(1)]));
    lastSection = section;
  }
  return out.join('\n');
}

export function toJson(figures: readonly Figure[]): Record<string, unknown>[] {
  return figures.map((f) => ({
    key: f.key,
    section: f.section,
    label: f.label,
    value: f.value,
    unit: f.unit,
    ...(f.detail ? { detail: f.detail } : {}),
    ...(f.target ? { target: f.target } : {}),
    result: verdict(f),
    ...(f.note && (f.value === null || Number.isNaN(f.value)) ? { note: f.note } : {}),
  }));
}
