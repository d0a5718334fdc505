// Chart options for the dashboard's panels (Apache ECharts). Axis labels are drawn on canvas; tooltips are
// HTML, so every value put in them goes through esc().
import type { EChartsOption } from 'echarts';
import type { BreakdownRow as Row, SeriesPoint, ZipRow } from '../responses.js';
import { esc, fmtInt, fmtPct, fmtTime } from './dom.js';

export const COLORS = {
  mobile: '#4cc9f0', pc: '#f4a261', accent: '#7c83fd', female: '#f28482', male: '#84a59d', unknown: '#5c667a',
  muted: '#8b95a8', line: '#2a3245', text: '#e6e9ef', grid: '#20273a',
};

const axis = {
  axisLine: { lineStyle: { color: COLORS.line } },
  axisTick: { lineStyle: { color: COLORS.line } },
  axisLabel: { color: COLORS.muted },
  splitLine: { lineStyle: { color: COLORS.grid } },
  nameTextStyle: { color: COLORS.muted },
};
const tooltip = {
  backgroundColor: '#0b0f17', borderColor: COLORS.line, textStyle: { color: COLORS.text, fontSize: 12 }, confine: true,
};
const legend = { textStyle: { color: COLORS.muted }, top: 0, right: 0, itemWidth: 12, itemHeight: 8 };
const base = {
  backgroundColor: 'transparent', animationDuration: 300, animationDurationUpdate: 300,
  textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif' },
};

interface TipParam { seriesName?: string; name?: string; value?: unknown; data?: unknown; color?: string; axisValue?: unknown }
const dotted = (p: TipParam, text: string) => `<span style="color:${esc(p.color)}">●</span> ${text}`;

function deviceLines(mobile: number, pc: number): string {
  const all = mobile + pc;
  return `${dotted({ color: COLORS.mobile }, `mobile ${fmtInt(mobile)}`)}<br>${dotted({ color: COLORS.pc }, `PC ${fmtInt(pc)}`)}`
    + `<br>all ${fmtInt(all)} · mobile ${fmtPct(all ? mobile / all : null)}`;
}

/** Plays per minute or hour as two stacked areas, mobile under PC. */
export function seriesOption(points: SeriesPoint[], grain: string): EChartsOption {
  return {
    ...base,
    legend: { ...legend, data: ['mobile', 'PC'] },
    grid: { left: 56, right: 16, top: 28, bottom: 32 },
    tooltip: {
      ...tooltip, trigger: 'axis',
      formatter: (raw: unknown) => {
        const list = raw as TipParam[];
        const at = Number((list[0]?.value as number[] | undefined)?.[0]);
        const mobile = Number((list.find((p) => p.seriesName === 'mobile')?.value as number[] | undefined)?.[1] ?? 0);
        const pc = Number((list.find((p) => p.seriesName === 'PC')?.value as number[] | undefined)?.[1] ?? 0);
        return `<b>${esc(fmtTime(at))} UTC</b> (per ${esc(grain)})<br>${deviceLines(mobile, pc)}`;
      },
    },
    xAxis: { type: 'time', ...axis, splitLine: { show: false } },
    yAxis: { type: 'value', name: `plays / ${grain}`, ...axis, minInterval: 1 },
    series: [
      { name: 'mobile', type: 'line', stack: 'plays', showSymbol: false, areaStyle: { opacity: 0.55 }, lineStyle: { width: 1 },
        color: COLORS.mobile, data: points.map((p) => [p.bucket, p.mobilePlays]) },
      { name: 'PC', type: 'line', stack: 'plays', showSymbol: false, areaStyle: { opacity: 0.55 }, lineStyle: { width: 1 },
        color: COLORS.pc, data: points.map((p) => [p.bucket, p.plays - p.mobilePlays]) },
    ],
  };
}

/** A donut of parts with the headline share in the middle. */
export function donutOption(parts: Array<{ name: string; value: number; color: string }>, headline: string, caption: string): EChartsOption {
  const total = parts.reduce((sum, p) => sum + p.value, 0);
  return {
    ...base,
    title: {
      show: total > 0, text: headline, subtext: caption, left: 'center', top: 'center',
      textStyle: { color: COLORS.text, fontSize: 24, fontWeight: 600 }, subtextStyle: { color: COLORS.muted, fontSize: 12 }, itemGap: 4,
    },
    tooltip: {
      ...tooltip, trigger: 'item',
      formatter: (raw: unknown) => {
        const p = raw as TipParam;
        return `${dotted(p, `<b>${esc(p.name)}</b>`)}<br>${fmtInt(Number(p.value))} plays · ${fmtPct(total ? Number(p.value) / total : null)}`;
      },
    },
    legend: { ...legend, bottom: 0, top: 'auto', right: 'center' },
    series: [{
      type: 'pie', radius: ['52%', '74%'], center: ['50%', '48%'], avoidLabelOverlap: true, label: { show: false }, stillShowZeroSum: false,
      itemStyle: { borderColor: '#161b26', borderWidth: 2 },
      data: parts.map((p) => ({ name: p.name, value: p.value, itemStyle: { color: p.color } })),
    }],
  };
}

/** Vertical bars per category, mobile and PC stacked. */
export function categoryOption(rows: Row[], label: (value: string) => string, axisName: string): EChartsOption {
  return {
    ...base,
    legend: { ...legend, data: ['mobile', 'PC'] },
    grid: { left: 56, right: 12, top: 28, bottom: 44 },
    tooltip: {
      ...tooltip, trigger: 'axis', axisPointer: { type: 'shadow' },
      formatter: (raw: unknown) => {
        const list = raw as TipParam[];
        const row = rows[Number((list[0] as { dataIndex?: number }).dataIndex ?? 0)];
        return row ? `${esc(axisName)}: <b>${esc(label(row.value))}</b><br>${deviceLines(row.mobilePlays, row.plays - row.mobilePlays)}` : '';
      },
    },
    xAxis: {
      type: 'category', name: axisName, nameLocation: 'middle', nameGap: 28, data: rows.map((r) => label(r.value)), ...axis,
      axisLabel: { color: COLORS.muted, interval: 0, fontSize: rows.length > 6 ? 10 : 11, width: 64, overflow: 'break', lineHeight: 12 },
      splitLine: { show: false },
    },
    yAxis: { type: 'value', name: 'plays', ...axis, minInterval: 1 },
    series: [
      { name: 'mobile', type: 'bar', stack: 'plays', color: COLORS.mobile, barMaxWidth: 42, data: rows.map((r) => r.mobilePlays) },
      { name: 'PC', type: 'bar', stack: 'plays', color: COLORS.pc, barMaxWidth: 42, data: rows.map((r) => r.plays - r.mobilePlays) },
    ],
  };
}

/** Horizontal bars, the most played on top. */
export function topOption(rows: Row[], label: (row: Row) => string, detail: (row: Row) => string): EChartsOption {
  const shown = [...rows].reverse();
  return {
    ...base,
    grid: { left: 150, right: 56, top: 8, bottom: 36 },
    tooltip: {
      ...tooltip, trigger: 'item',
      formatter: (raw: unknown) => {
        const row = shown[Number((raw as { dataIndex?: number }).dataIndex ?? 0)];
        return row ? `<b>${esc(label(row))}</b><br>${esc(detail(row))}<br>${deviceLines(row.mobilePlays, row.plays - row.mobilePlays)}` : '';
      },
    },
    xAxis: { type: 'value', name: 'plays', nameLocation: 'middle', nameGap: 22, ...axis, minInterval: 1 },
    yAxis: {
      type: 'category', data: shown.map((r) => label(r)), ...axis, splitLine: { show: false },
      axisLabel: { color: COLORS.muted, width: 140, overflow: 'truncate', ellipsis: '…' },
    },
    series: [{
      type: 'bar', color: COLORS.accent, barMaxWidth: 18, data: shown.map((r) => r.plays),
      label: { show: true, position: 'right', color: COLORS.muted, formatter: (p: unknown) => fmtInt(Number((p as TipParam).value)) },
    }],
  };
}

/** The US choropleth (plays per state) with the top listening zips as points. */
export function mapOption(states: Row[], zips: ZipRow[], selected: string | null, stateNames: Map<string, string>): EChartsOption {
  // The scale tops out at the third busiest state, so one big state does not leave all others looking empty.
  const ranked = states.filter((s) => s.value !== 'unknown').map((s) => s.plays).sort((a, b) => b - a);
  const max = Math.max(1, ranked[Math.min(2, ranked.length - 1)] ?? 0);
  const capped = ranked.length > 0 && ranked[0] > max;
  const zipMax = Math.max(1, ...zips.map((z) => z.plays));
  const located = zips.filter((z) => z.point !== null);
  return {
    ...base,
    tooltip: {
      ...tooltip, trigger: 'item',
      formatter: (raw: unknown) => {
        const p = raw as TipParam & { seriesType?: string; data?: { mobilePlays?: number; city?: string; state?: string; plays?: number } };
        if (p.seriesType === 'scatter') {
          const z = p.data ?? {};
          return `<b>zip ${esc(p.name)}</b> ${esc(z.city)}, ${esc(z.state)}<br>${fmtInt(z.plays)} plays · mobile ${fmtPct(z.plays ? (z.mobilePlays ?? 0) / z.plays : null)}`;
        }
        const plays = Number(p.value);
        const mobile = p.data?.mobilePlays ?? 0;
        const name = stateNames.get(String(p.name)) ?? String(p.name);
        return `<b>${esc(name)}</b> (${esc(p.name)})<br>${Number.isFinite(plays) ? `${fmtInt(plays)} plays · mobile ${fmtPct(plays ? mobile / plays : null)}` : 'no plays'}`;
      },
    },
    visualMap: {
      type: 'continuous', min: 0, max, seriesIndex: 0, calculable: false, orient: 'horizontal', left: 12, bottom: 6,
      itemWidth: 10, itemHeight: 140, text: [`${fmtInt(max)}${capped ? '+' : ''}`, '0 plays'], textStyle: { color: COLORS.muted },
      inRange: { color: ['#1d2a44', '#2f5b8f', '#4cc9f0'] },
    },
    geo: {
      map: 'usa', roam: false, aspectScale: 1, top: 8, bottom: 36, left: 8, right: 8,
      projection: { project: (point: number[]) => point, unproject: (point: number[]) => point },
      itemStyle: { areaColor: '#1a2030', borderColor: '#3a4560', borderWidth: 0.8 },
      emphasis: { itemStyle: { areaColor: '#7c83fd' }, label: { show: false } },
      select: { disabled: true },
      regions: selected ? [{ name: selected, itemStyle: { borderColor: '#ffffff', borderWidth: 2.5 } }] : [],
    },
    series: [
      {
        type: 'map', geoIndex: 0, name: 'plays',
        data: states.filter((s) => s.value !== 'unknown').map((s) => ({ name: s.value, value: s.plays, mobilePlays: s.mobilePlays })),
      },
      {
        type: 'scatter', coordinateSystem: 'geo', name: 'top zips', z: 3,
        symbolSize: (value: number[]) => 5 + 13 * Math.sqrt(value[2] / zipMax),
        itemStyle: { color: COLORS.pc, borderColor: '#0d1117', borderWidth: 1, opacity: 0.9 },
        data: located.map((z) => ({
          name: z.value, value: [z.point![0], z.point![1], z.plays], plays: z.plays, mobilePlays: z.mobilePlays, city: z.city, state: z.state,
        })),
      },
    ],
  };
}

/** Events per second over the last minutes, from the live pulses this page received. */
export function rateOption(history: Array<[number, number]>, windowMs: number): EChartsOption {
  const last = history.length ? history[history.length - 1][0] : 0;
  return {
    ...base,
    animation: false,
    grid: { left: 40, right: 8, top: 8, bottom: 20 },
    tooltip: {
      ...tooltip, trigger: 'axis',
      formatter: (raw: unknown) => {
        const v = (raw as TipParam[])[0]?.value as number[] | undefined;
        return v ? `${esc(fmtTime(v[0], true))} UTC<br>${fmtInt(v[1])} events/s` : '';
      },
    },
    xAxis: {
      type: 'time', min: last - windowMs, max: last, splitNumber: 3, ...axis, splitLine: { show: false },
      axisLabel: { color: COLORS.muted, fontSize: 10, hideOverlap: true },
    },
    yAxis: { type: 'value', ...axis, minInterval: 1, axisLabel: { color: COLORS.muted, fontSize: 10 } },
    series: [{ type: 'line', showSymbol: false, color: COLORS.mobile, areaStyle: { opacity: 0.3 }, data: history }],
  };
}
