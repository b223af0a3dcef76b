// The status page: reads /status/data every 2 s with the bearer the operator gave (the ops token or an
// admin's access token), kept in sessionStorage only. /status#token=... hands it over without it ever
// reaching a server log (a fragment is not sent) and is cleared from the address bar at once.
(function () {
  'use strict';
  const POLL_MS = 2000;
  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  const charts = {};
  const $ = (id) => document.getElementById(id);

  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromFragment) {
    sessionStorage.setItem('gatehouse-status-token', fromFragment);
    history.replaceState(null, '', location.pathname);
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('gatehouse-status-token', $('token').value.trim());
    $('token').value = '';
    refresh();
  });

  function token() { return sessionStorage.getItem('gatehouse-status-token'); }

  function showLogin(message) {
    $('board').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
  }

  async function refresh() {
    if (!token()) { showLogin(''); return; }
    let res;
    try {
      res = await fetch('/status/data', { headers: { Authorization: 'Bearer ' + token() }, cache: 'no-store' });
    } catch (e) {
      $('updated').textContent = 'unreachable: ' + e.message;
      return;
    }
    if (res.status === 401 || res.status === 403) {
      sessionStorage.removeItem('gatehouse-status-token');
      const body = await res.json().catch(() => ({}));
      showLogin(body.error ? body.error.message : 'not allowed');
      return;
    }
    if (!res.ok) { $('updated').textContent = 'error ' + res.status; return; }
    render(await res.json());
  }

  const STATES = { CLOSED: ['ok', 'ok'], OPEN: ['failing', 'failing (breaker open)'], FORCED_OPEN: ['failing', 'failing (forced open)'],
    HALF_OPEN: ['recovering', 'recovering (half open)'], DISABLED: ['ok', 'ok (breaker disabled)'] };

  function lastMinute(values) {
    return (values || []).slice(-6);
  }

  function sum(values) { return values.reduce((a, b) => a + (b || 0), 0); }

  function render(data) {
    $('login').hidden = true;
    $('board').hidden = false;
    $('updated').textContent = 'updated ' + new Date(data.generated_at * 1000).toLocaleTimeString();
    const names = Array.from(new Set([...Object.keys(data.breakers), ...Object.keys(data.deployments)])).sort();
    const rows = names.map((name) => {
      const d = data.deployments[name] || {};
      const [cls, label] = STATES[data.breakers[name]] || ['recovering', data.breakers[name] || 'unknown'];
      const calls = sum(lastMinute(d.calls));
      const rates = lastMinute(d.error_rate_percent).filter((v) => v != null);
      const rate = rates.length ? (rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(0) + ' %' : '–';
      const last = (key) => { const v = lastMinute(d[key]).filter((x) => x != null); return v.length ? v[v.length - 1].toFixed(1) : '–'; };
      return '<tr data-deployment="' + esc(name) + '" data-state="' + esc(data.breakers[name] || '') + '"><td>' + esc(name)
        + '</td><td><span class="state state-' + cls + '">' + esc(label) + '</span></td><td>' + calls + '</td><td>' + rate
        + '</td><td>' + last('p50_ms') + ' / ' + last('p95_ms') + ' / ' + last('p99_ms') + '</td></tr>';
    });
    $('deployments').tBodies[0].innerHTML = rows.join('') || '<tr><td colspan="5">no deployment enabled</td></tr>';
    $('queues').tBodies[0].innerHTML = Object.entries(data.queues_now || {}).map(([name, q]) =>
      '<tr><td>' + esc(name) + '</td><td>' + q.depth + '</td><td>' + q.oldestPendingAgeSeconds.toFixed(0) + '</td><td>' + q.dead + '</td></tr>').join('');

    const x = data.times;
    chart('chart-latency', x, names.map((n) => [n, (data.deployments[n] || {}).p95_ms]));
    chart('chart-errors', x, names.map((n) => [n, (data.deployments[n] || {}).error_rate_percent]));
    chart('chart-rejections', x, Object.entries(data.rejections));
    chart('chart-queues', x, Object.entries(data.queues).map(([n, q]) => [n, q.depth]));
    chart('chart-webhooks', x, Object.entries(data.webhooks));
  }

  function chart(id, x, series) {
    const el = $(id);
    const labels = series.map(([name]) => name).join('|');
    const aligned = [x, ...series.map(([, v]) => (v || x.map(() => null)))];
    const existing = charts[id];
    if (existing && existing.labels === labels) {
      existing.plot.setData(aligned);
      return;
    }
    if (existing) { existing.plot.destroy(); }
    const opts = {
      width: Math.max(el.clientWidth, 420), height: 200,
      series: [{}, ...series.map(([name], i) => ({ label: name, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false,
        points: { show: true, size: 5, fill: COLORS[i % COLORS.length] } }))],
      axes: [{}, { size: 50 }],
      scales: { x: { time: true } },
    };
    charts[id] = { labels, plot: new uPlot(opts, aligned, el) };
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  refresh();
  setInterval(() => { if (token()) { refresh(); } }, POLL_MS);
}());
