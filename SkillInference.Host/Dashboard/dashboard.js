// The model performance dashboard: reads the monitoring API with the operator's key (from the URL fragment #key=...,
// which never reaches a server or an access log, or typed in) and draws each skill. No student data is shown: the API
// answers aggregates only.
(() => {
  'use strict';
  const storageKey = 'skillinference-dashboard-key';
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('key')) {
    sessionStorage.setItem(storageKey, fragment.get('key'));
    history.replaceState(null, '', location.pathname + location.search);
  }

  const status = document.getElementById('status');
  const fmt = (v, d = 3) => (v === null || v === undefined || Number.isNaN(v)) ? 'n/a' : Number(v).toFixed(d);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
    }
    for (const c of children) e.append(c);
    return e;
  };
  const state = s => el('span', { className: 'state state-' + (s || 'none'), 'data-state': s || 'none' }, s || 'none');

  async function api(path) {
    const response = await fetch(path, { headers: { 'X-Api-Key': sessionStorage.getItem(storageKey) || '' } });
    if (!response.ok) {
      throw new Error(path + ' answered ' + response.status);
    }
    return response.json();
  }

  function row(field, label, value, decimals) {
    return el('tr', {}, el('th', {}, label), el('td', { 'data-field': field }, typeof value === 'string' ? value : fmt(value, decimals)));
  }

  function chart(parent, title, config) {
    const box = el('div');
    const canvas = el('canvas');
    box.append(canvas);
    parent.append(el('section', {}, el('h3', {}, title), box));
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { labels: { boxWidth: 10, font: { size: 10 } } } } }, config.options || {});
    return new Chart(canvas, config);
  }

  function renderAlerts(alerts) {
    const section = document.getElementById('alerts');
    section.replaceChildren(el('h2', {}, 'Alerts'));
    if (alerts.length === 0) {
      section.append(el('p', { 'data-field': 'no-alerts' }, 'No open or recent alerts.'));
      return;
    }
    const table = el('table', {}, el('tr', {}, ...['state', 'kind', 'skill', 'version', 'value', 'threshold', 'since', 'summary'].map(h => el('th', {}, h))));
    for (const a of alerts) {
      table.append(el('tr', { 'data-alert': a.id }, el('td', {}, state(a.state)), el('td', {}, a.kind), el('td', {}, a.skill), el('td', {}, a.modelVersion),
        el('td', { 'data-field': 'alert-value' }, fmt(a.value)), el('td', {}, fmt(a.threshold, 2)), el('td', {}, new Date(a.since).toISOString()), el('td', {}, a.summary)));
    }
    section.append(table);
  }

  function renderRollout(table, rollouts) {
    const r = rollouts && rollouts.current;
    table.append(el('tr', {}, el('th', {}, 'rollout'), el('td', { 'data-field': 'rolloutState' }, r ? state(r.state) : 'none',
      r ? ' ' + r.version + ' vs ' + r.stable : '')));
    if (!r) {
      return;
    }
    table.append(row('rolloutStep', 'rollout step', String(r.step) + ' of ' + r.steps.length));
    table.append(row('rolloutWeight', 'candidate share (%)', r.weight, 1));
    if (r.lastEvaluation && r.lastEvaluation.reason) {
      table.append(row('rolloutReason', 'last decision', r.lastEvaluation.reason));
    }
    if (r.metrics) {
      table.append(row('stablePredictions', 'predictions, stable ' + r.metrics.stable.modelVersion, String(r.metrics.stable.predictions)));
      table.append(row('candidatePredictions', 'predictions, candidate ' + r.metrics.candidate.modelVersion, String(r.metrics.candidate.predictions)));
    }
  }

  function renderSkill(skill, models, drift, latest, history, alerts, bucketMinutes, rollouts) {
    const card = el('article', { className: 'card', 'data-skill': skill });
    const m = models.find(x => x.skill === skill) || {};
    const variants = (m.variants || []).map(v => v.version + ' (' + fmt(v.weight * 100, 0) + ' %)').join(', ');
    card.append(el('h2', {}, skill), el('div', { className: 'versions' }, 'live ', el('b', { 'data-field': 'live' }, m.live || 'none'), variants ? ' · variants ' + variants : ''));
    const d = drift.find(x => x.skill === skill && x.modelVersion === m.live) || drift.find(x => x.skill === skill);
    const v = latest.filter(x => x.skill === skill).sort((a, b) => (a.modelVersion === m.live ? -1 : 1))[0];
    const open = alerts.filter(a => a.skill === skill && a.state === 'open');
    const last = d && d.series.length ? d.series[d.series.length - 1] : null;
    const table = el('table', { className: 'stats' },
      row('predictionsPerMinute', 'predictions / min (last bucket)', last ? last.rows / bucketMinutes : null, 2),
      row('latencyP50Ms', 'latency p50 (ms)', d ? d.latencyP50Ms : null, 3),
      row('latencyP99Ms', 'latency p99 (ms)', d ? d.latencyP99Ms : null, 3),
      row('scorePsi', 'score PSI', d ? d.scorePsi : null),
      row('featurePsi', 'highest feature PSI' + (d && d.features.length ? ' (' + d.features[0].name + ')' : ''), d && d.features.length ? d.features[0].psi : null),
      row('n', 'rows in window', d ? String(d.n) : 'n/a'),
      row('cacheHitRate', 'cache hit rate', d ? d.cacheHitRate : null),
      row('pearsonR', 'r vs teacher ratings', v ? v.pearsonR : null),
      row('ratedN', 'rated pairs (n)', v ? String(v.n) : 'n/a'),
      row('ci', '95 % interval', v && v.ci ? '[' + fmt(v.ci[0]) + ', ' + fmt(v.ci[1]) + ']' : 'n/a'));
    table.append(el('tr', {}, el('th', {}, 'drift'), el('td', { 'data-field': 'driftState' }, state(d ? d.state : null))));
    table.append(el('tr', {}, el('th', {}, 'validation'), el('td', { 'data-field': 'validationState' }, state(v ? v.state : null))));
    table.append(el('tr', {}, el('th', {}, 'alerts'), el('td', { 'data-field': 'alertState' }, state(open.length ? 'open' : 'ok'), open.length ? ' ' + open.map(a => a.kind).join(', ') : '')));
    renderRollout(table, rollouts);
    card.append(table);

    const charts = el('div', { className: 'charts' });
    card.append(charts);
    document.getElementById('skills').append(card);
    if (d) {
      chart(charts, 'latency (ms)', { type: 'line', data: { labels: d.series.map(b => b.start.slice(11, 16)),
        datasets: [{ label: 'p50', data: d.series.map(b => b.latencyP50Ms), borderColor: '#3b7dd8' }, { label: 'p99', data: d.series.map(b => b.latencyP99Ms), borderColor: '#d8573b' }] } });
      const share = counts => { const t = counts.reduce((a, b) => a + b, 0) || 1; return counts.map(c => c / t); };
      chart(charts, 'score histogram vs reference', { type: 'bar', data: { labels: d.scoreEdges.slice(0, -1).map(e => fmt(e, 1)),
        datasets: [{ label: 'live', data: share(d.scoreCounts), backgroundColor: '#3b7dd8' }, { label: 'reference', data: share(d.referenceCounts), backgroundColor: '#b8c2d1' }] } });
    }
    const series = history.filter(h => h.skill === skill && (!m.live || h.modelVersion === m.live) && h.pearsonR !== undefined && h.pearsonR !== null);
    if (series.length) {
      const labels = series.map(h => h.evaluatedAt.slice(5, 16).replace('T', ' '));
      chart(charts, 'r vs teacher ratings (95 % band)', { type: 'line', data: { labels, datasets: [
        { label: 'ci high', data: series.map(h => h.ci ? h.ci[1] : null), borderColor: 'rgba(59,125,216,.2)', backgroundColor: 'rgba(59,125,216,.15)', fill: '+1', pointRadius: 0 },
        { label: 'ci low', data: series.map(h => h.ci ? h.ci[0] : null), borderColor: 'rgba(59,125,216,.2)', pointRadius: 0, fill: false },
        { label: 'r', data: series.map(h => h.pearsonR), borderColor: '#1d2433', fill: false },
        { label: 'threshold', data: series.map(h => h.threshold), borderColor: '#d8573b', borderDash: [4, 4], pointRadius: 0, fill: false }] },
        options: { scales: { y: { min: -1, max: 1 } } } });
    }
  }

  async function load() {
    status.textContent = 'loading…';
    const since = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    const [models, drift, validation, alerts] = await Promise.all([
      api('/api/v1/skills/models'), api('/api/v1/monitoring/drift'), api('/api/v1/monitoring/validation?since=' + encodeURIComponent(since)), api('/api/v1/monitoring/alerts')]);
    renderAlerts(alerts.alerts);
    document.getElementById('skills').replaceChildren();
    const skills = [...new Set([...models.skills.map(s => s.skill), ...drift.models.map(s => s.skill), ...validation.results.map(s => s.skill)])].sort();
    const rollouts = await Promise.all(skills.map(skill => api('/api/v1/skills/models/' + encodeURIComponent(skill) + '/rollouts').catch(() => null)));
    skills.forEach((skill, i) => renderSkill(skill, models.skills, drift.models, validation.results, validation.history || [], alerts.alerts, drift.bucketMinutes, rollouts[i]));
    status.textContent = 'updated ' + new Date().toISOString() + ' · drift window ' + drift.windowHours + ' h';
    document.body.dataset.ready = 'true';
  }

  document.getElementById('login').addEventListener('submit', e => {
    e.preventDefault();
    sessionStorage.setItem(storageKey, document.getElementById('key').value);
    document.getElementById('login').hidden = true;
    load().catch(err => { status.textContent = err.message; });
  });
  if (!sessionStorage.getItem(storageKey)) {
    document.getElementById('login').hidden = false;
    status.textContent = 'an API key is needed';
  } else {
    load().catch(err => { status.textContent = err.message; document.body.dataset.error = err.message; });
  }
})();
