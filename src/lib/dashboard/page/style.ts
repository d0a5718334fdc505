// The dashboard's stylesheet: a dark theme on the system's own fonts (no web fonts are loaded).
export const PAGE_CSS = `
:root {
  --bg: #0d1117; --card: #161b26; --card-2: #1c2231; --line: #2a3245; --text: #e6e9ef; --muted: #8b95a8;
  --mobile: #4cc9f0; --pc: #f4a261; --accent: #7c83fd; --good: #57cc99; --warn: #ffb703; --bad: #ef476f;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.top { display: flex; align-items: center; justify-content: space-between; padding: 14px 24px;
  border-bottom: 1px solid var(--line); background: #0b0f17; position: sticky; top: 0; z-index: 5; }
.brand { font-size: 20px; font-weight: 650; letter-spacing: .2px; }
.brand .logo { color: var(--mobile); }
.brand .sub { color: var(--muted); font-weight: 400; font-size: 14px; margin-left: 6px; }
.live { display: flex; align-items: center; gap: 8px; color: var(--muted); font-size: 13px; }
.live .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--muted); }
.live.on .dot { background: var(--good); box-shadow: 0 0 0 0 rgba(87,204,153,.6); animation: beat 1s ease-out; }
.live.off .dot { background: var(--warn); }
@keyframes beat { from { box-shadow: 0 0 0 0 rgba(87,204,153,.7); } to { box-shadow: 0 0 0 8px rgba(87,204,153,0); } }
.filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 14px 20px; padding: 14px 24px;
  border-bottom: 1px solid var(--line); background: #0f141e; }
.filters label, .state-filter { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: var(--muted); }
.state-filter { flex-direction: row; align-items: center; gap: 8px; font-size: 12px; }
select, input, button { font: inherit; color: var(--text); background: var(--card-2); border: 1px solid var(--line);
  border-radius: 6px; padding: 6px 10px; }
button { cursor: pointer; background: #2b3350; }
button:hover { background: #353e60; }
.chip { background: var(--card-2); border: 1px solid var(--line); border-radius: 999px; padding: 4px 12px; color: var(--text); font-size: 13px; }
.chip.set { border-color: var(--accent); background: #262c4d; }
.clear { padding: 2px 9px; border-radius: 999px; }
.hint { color: var(--muted); font-size: 12px; }
.range-note { color: var(--muted); font-size: 12px; margin-left: auto; }
.empty { margin: 18px 24px 0; padding: 18px 22px; border: 1px dashed var(--accent); border-radius: 10px; background: #141a2b; }
.empty h2 { margin: 0 0 6px; font-size: 18px; }
.empty pre { background: #0b0f17; padding: 10px 12px; border-radius: 6px; overflow-x: auto; color: #cdd3e0; }
.kpis { display: grid; grid-template-columns: repeat(9, minmax(0, 1fr)); gap: 12px; padding: 18px 24px 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; display: flex; flex-direction: column; min-width: 0; }
.kpi .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.kpi .v { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; margin: 2px 0; white-space: nowrap; }
.kpi .s { color: var(--muted); font-size: 11.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.grid { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr)); gap: 14px; padding: 14px 24px 24px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; position: relative; }
.card h2 { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
.card h2 small { color: var(--muted); font-weight: 400; font-size: 12px; margin-left: 6px; }
.span-3 { grid-column: span 3; } .span-4 { grid-column: span 4; } .span-6 { grid-column: span 6; }
.span-8 { grid-column: span 8; } .span-12 { grid-column: span 12; }
.chart { height: 260px; width: 100%; }
.chart.tall, .table-wrap.tall { height: 440px; }
.chart.short { height: 120px; }
.card.is-empty .chart::after { content: attr(data-empty); position: absolute; inset: 48px 0 0 0; display: flex;
  align-items: center; justify-content: center; color: var(--muted); font-size: 13px; pointer-events: none; }
.table-wrap { max-height: 280px; overflow: auto; }
table.list { width: 100%; border-collapse: collapse; font-size: 13px; }
table.list th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; border-bottom: 1px solid var(--line);
  padding: 4px 6px; position: sticky; top: 0; background: var(--card); }
table.list td { padding: 5px 6px; border-bottom: 1px solid #20273a; max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.list tr.new td { animation: flash 1.5s ease-out; }
@keyframes flash { from { background: #2b3350; } to { background: transparent; } }
.num { text-align: right; font-variant-numeric: tabular-nums; }
th.num { text-align: right; }
.link { color: var(--accent); cursor: pointer; background: none; border: 0; padding: 0; text-decoration: underline dotted; }
dl.facts { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 6px 0 0; font-size: 13px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; overflow: hidden; text-overflow: ellipsis; }
dl.facts .section { grid-column: 1 / -1; color: var(--text); font-weight: 600; margin-top: 6px; border-top: 1px solid var(--line); padding-top: 6px; }
.lookup { display: flex; align-items: flex-end; gap: 12px; flex-wrap: wrap; }
.lookup label { display: flex; flex-direction: column; gap: 4px; font-size: 12px; color: var(--muted); }
.customer { margin-top: 14px; }
.customer-head { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; }
.customer-head h3 { margin: 0; font-size: 18px; }
.tags { display: flex; gap: 6px; flex-wrap: wrap; }
.tag { font-size: 12px; border: 1px solid var(--line); border-radius: 999px; padding: 2px 9px; color: var(--muted); }
.tag.yes { border-color: var(--good); color: var(--good); }
.customer-cols { display: grid; grid-template-columns: 1fr 1fr 2fr 1fr; gap: 18px; margin-top: 10px; }
.customer-cols h4 { margin: 0 0 6px; font-size: 13px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .5px; }
ul.plain { list-style: none; margin: 0; padding: 0; font-size: 13px; }
ul.plain li { padding: 4px 0; border-bottom: 1px solid #20273a; }
.foot { padding: 4px 24px 24px; font-size: 12px; }
@media (max-width: 1300px) {
  .kpis { grid-template-columns: repeat(5, minmax(0, 1fr)); }
  .span-3 { grid-column: span 6; } .span-4 { grid-column: span 6; } .span-8 { grid-column: span 12; }
  .customer-cols { grid-template-columns: 1fr 1fr; }
}
@media (max-width: 800px) {
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .span-3, .span-4, .span-6, .span-8 { grid-column: span 12; }
  .customer-cols { grid-template-columns: 1fr; }
}
`;
