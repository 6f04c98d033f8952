import { createHash } from 'node:crypto';
import type { ComponentName, ComponentState, ComponentStatus } from './components.js';
import type { ComponentHistory } from './history.js';

export interface StatusReport {
  generatedAt: string;
  /** down when the API cannot serve (database or chemistry down), degraded when anything is not up. */
  overall: 'up' | 'degraded' | 'down';
  /** What GET /health/ready answers now. */
  ready: boolean;
  components: (ComponentStatus & Omit<ComponentHistory, 'component'>)[];
  window: { hours: number; bucketMinutes: number };
  retentionDays: number;
  /** Where the history comes from: every server's samples, or this one's while the database is down. */
  history: 'database' | 'this-server';
}

const LABELS: Record<ComponentName, string> = {
  api: 'API',
  database: 'Database',
  chemistry: 'Chemistry engine',
  workers: 'Job workers'
};

const WORDS: Record<ComponentState, string> = {
  up: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown'
};

const STYLE = `
:root { color-scheme: light dark; --ok: #2e7d32; --warn: #b26a00; --bad: #c62828; --none: #bdbdbd;
  --unknown: #78909c; --fg: #1d1d1f; --bg: #ffffff; --muted: #5f6368; --line: #e0e0e0; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8eaed; --bg: #1e1e1e; --muted: #9aa0a6;
  --line: #3c4043; --ok: #66bb6a; --warn: #ffa726; --bad: #ef5350; --none: #4a4a4a;
  --unknown: #90a4ae; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.summary { padding: .75rem 1rem; border-radius: 6px; color: #fff; font-weight: 600; margin: 1rem 0; }
.summary.up { background: #2e7d32; } .summary.degraded { background: #9a5b00; }
.summary.down { background: #c62828; }
section { border-top: 1px solid var(--line); padding: .75rem 0; }
.head { display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
.name { font-weight: 600; } .detail, .muted { color: var(--muted); font-size: .85rem; }
.state.up { color: var(--ok); } .state.degraded { color: var(--warn); }
.state.unknown { color: var(--unknown); }
.state.down { color: var(--bad); }
.bars { display: flex; gap: 1px; margin: .4rem 0 .2rem; height: 1.6rem; }
.bars span { flex: 1; border-radius: 1px; background: var(--none); }
.bars .up { background: var(--ok); } .bars .degraded { background: var(--warn); }
.bars .unknown { background: var(--unknown); }
.bars .down { background: var(--bad); }
.axis { display: flex; justify-content: space-between; }
.legend { display: flex; gap: 1rem; flex-wrap: wrap; margin-top: 1rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem;
  vertical-align: -1px; background: var(--none); }
.legend .up { background: var(--ok); } .legend .degraded { background: var(--warn); }
.legend .down { background: var(--bad); } .legend .unknown { background: var(--unknown); }
`;

/** The page's Content-Security-Policy: nothing but its own inline style. */
export const STATUS_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256')
  .update(STYLE)
  .digest('base64')}'; frame-ancestors 'none'`;

/** The status page: the overall state, then each component with its last day in bars. */
export function renderStatusPage(report: StatusReport): string {
  const overall =
    report.overall === 'up'
      ? 'All components operational'
      : report.overall === 'degraded'
        ? 'Some components degraded'
        : 'Service disruption';
  const sections = report.components
    .map(c => {
      const bars = c.buckets
        .map(
          b =>
            `<span class="${b.state ?? 'none'}" title="${Private.escape(
              `${Private.time(b.from)}–${Private.time(b.to)} UTC: ${b.state ? WORDS[b.state] : 'no data'}${b.samples ? ` (${b.samples} samples)` : ''}`
            )}"></span>`
        )
        .join('');
      const uptime = c.uptime === null ? 'no data' : `${(c.uptime * 100).toFixed(2)} % up`;
      return `<section>
  <div class="head"><span class="name">${LABELS[c.component]}</span><span class="state ${c.state}">${WORDS[c.state]}</span></div>
  <div class="detail">${Private.escape(c.detail)}</div>
  <div class="bars" role="img" aria-label="${LABELS[c.component]}, last ${report.window.hours} hours: ${uptime}">${bars}</div>
  <div class="axis muted"><span>${report.window.hours} h ago</span><span>${uptime}</span><span>now</span></div>
</section>`;
    })
    .join('\n');
  const source =
    report.history === 'database'
      ? `History of every server, sampled by each, kept ${report.retentionDays} days.`
      : 'The database does not answer: the history shown is this server’s own.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CryoProtect status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>CryoProtect status</h1>
<div class="muted">Checked ${Private.escape(report.generatedAt.replace('T', ' ').slice(0, 19))} UTC · bars of ${report.window.bucketMinutes} minutes over the last ${report.window.hours} hours, worst state in each · also as JSON: <code>?format=json</code></div>
<div class="summary ${report.overall}">${overall}</div>
${sections}
<div class="legend muted"><span><i class="up"></i>Operational</span><span><i class="degraded"></i>Degraded</span><span><i class="down"></i>Down</span><span><i class="unknown"></i>Unknown</span><span><i></i>No data (no server running)</span></div>
<p class="muted">${source}</p>
</body>
</html>
`;
}

namespace Private {
  export function escape(text: string): string {
    return text.replace(
      /[&<>"']/g,
      ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!
    );
  }

  export function time(iso: string): string {
    return iso.slice(11, 16);
  }
}
