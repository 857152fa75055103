/**
 * The report's stylesheet, inlined into report.html: no fonts, images or scripts to fetch, so
 * the report reads the same offline, years later. Screen and print (A4, page breaks kept out of
 * rows, colours kept) are both styled.
 */
export const REPORT_CSS = `
:root {
  --ink: #1b2430; --muted: #5b6675; --line: #d9dee5; --soft: #f4f6f9; --accent: #1f4e79;
  --pass: #1e7d45; --pass-bg: #e6f4ec; --gap: #b42318; --gap-bg: #fdecea;
  --warn: #935f00; --warn-bg: #fff4d6; --na: #5b6675; --na-bg: #eef1f5;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: #eef1f5; color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 0 24px 48px; }
header.cover {
  background: var(--accent); color: #fff; padding: 28px 24px 22px; margin-bottom: 24px;
}
header.cover .inner { max-width: 1072px; margin: 0 auto; }
header.cover .eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; opacity: .8; margin: 0; }
header.cover h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 14px; font-weight: 650; word-break: break-word; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 8px 24px; margin: 0; }
dl.meta div { min-width: 0; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .75; }
dl.meta dd { margin: 0; font-size: 13px; overflow-wrap: anywhere; }
header.cover code { color: #fff; background: rgba(255,255,255,.12); }
section.card {
  background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 20px 24px; margin: 0 0 20px;
}
h2 { font-size: 20px; margin: 0 0 12px; font-weight: 650; }
h3 { font-size: 15px; margin: 20px 0 8px; font-weight: 650; color: var(--accent); }
h4 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
p { margin: 6px 0; }
.lead { color: var(--muted); margin-top: -4px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.tz { color: var(--muted); font-size: 11px; }
time, .nowrap { white-space: nowrap; }
td .finding.gap-text { margin-bottom: 2px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 4px 0 0; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--soft); }
.tile .n { font-size: 26px; font-weight: 700; line-height: 1.1; }
.tile .l { font-size: 12px; color: var(--muted); }
.tile.good { background: var(--pass-bg); border-color: #b7dfc6; } .tile.good .n { color: var(--pass); }
.tile.bad { background: var(--gap-bg); border-color: #f3b8b1; } .tile.bad .n { color: var(--gap); }
.tile.warn { background: var(--warn-bg); border-color: #f0d58c; } .tile.warn .n { color: var(--warn); }
ul.claims { list-style: none; padding: 0; margin: 8px 0; }
ul.claims li { padding: 6px 10px 6px 30px; position: relative; border-radius: 6px; margin: 4px 0; }
ul.claims li::before { position: absolute; left: 10px; top: 6px; font-weight: 700; }
ul.claims.proven li { background: var(--pass-bg); } ul.claims.proven li::before { content: "\\2713"; color: var(--pass); }
ul.claims.unproven li { background: var(--warn-bg); } ul.claims.unproven li::before { content: "!"; color: var(--warn); left: 13px; }
table { width: 100%; border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); background: var(--soft); border-bottom: 1px solid #c5ccd6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.gap-row td { background: #fff7f6; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 700; letter-spacing: .03em; text-transform: uppercase; white-space: nowrap; border: 1px solid transparent; }
.badge.pass { color: var(--pass); background: var(--pass-bg); border-color: #b7dfc6; }
.badge.gap { color: #fff; background: var(--gap); }
.badge.excepted, .badge.incomplete, .badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #f0d58c; }
.badge.na { color: var(--na); background: var(--na-bg); border-color: var(--line); }
.badge.cat { color: var(--accent); background: #e8f0f8; border-color: #c6d8ea; text-transform: none; }
.gap-text { color: var(--gap); font-weight: 600; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
ul.details { margin: 4px 0 0; padding-left: 18px; color: var(--muted); font-size: 12px; }
ol.path { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; padding: 0; margin: 8px 0 4px; counter-reset: none; }
ol.path li { border: 1px solid var(--line); border-radius: 6px; padding: 5px 10px; background: #fff; font-size: 12px; min-width: 86px; }
ol.path li b { display: block; font-size: 16px; }
ol.path li.has { border-color: #b7dfc6; background: var(--pass-bg); }
ol.path li.none { border-style: dashed; color: var(--muted); }
ol.path li.bad { border-color: #f3b8b1; background: var(--gap-bg); color: var(--gap); }
ol.path li + li::before { content: ""; }
.release-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 12px; margin-bottom: 4px; }
.release-head h2 { margin: 0; overflow-wrap: anywhere; }
.callout { border-left: 4px solid var(--gap); background: var(--gap-bg); padding: 8px 12px; border-radius: 4px; margin: 10px 0; }
.callout.ok { border-color: var(--pass); background: var(--pass-bg); }
.callout.note { border-color: var(--warn); background: var(--warn-bg); }
pre.cmd { background: #0f1720; color: #e6edf3; padding: 10px 12px; border-radius: 6px; overflow-x: auto; font-size: 12px; }
dl.checks { display: grid; grid-template-columns: minmax(170px, max-content) 1fr; gap: 4px 16px; margin: 8px 0; font-size: 13px; }
dl.checks dt { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
dl.checks dd { margin: 0; color: var(--muted); }
nav.toc { font-size: 13px; }
nav.toc ol { margin: 4px 0; padding-left: 20px; columns: 2; }
nav.toc a, a { color: var(--accent); }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 24px; }
@media (max-width: 700px) { main { padding: 0 10px 32px; } section.card { padding: 14px; } nav.toc ol { columns: 1; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { background: #fff; font-size: 10pt; }
  main { max-width: none; padding: 0; }
  header.cover { padding: 14px 16px; margin-bottom: 12px; }
  section.card { border: none; border-top: 2px solid var(--accent); border-radius: 0; padding: 10px 0 0; margin: 0 0 14px; }
  section.release { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  tr, .tile, ul.claims li, ol.path li { break-inside: avoid; }
  thead { display: table-header-group; }
  nav.toc { display: none; }
  a { color: inherit; text-decoration: none; }
}
`;
