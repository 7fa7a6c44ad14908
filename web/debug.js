// The state-chart visualizer: every actor the supervisor runs, drawn from its machine's own
// definition (laid out by elkjs), its present state highlighted live from the XState inspection
// stream, a timeline of events and transitions, and the actor's context on click.

import { openChannel, setConnectionBadge } from './channel.js';

const elk = new ELK();
const charts = new Map(); // actor id → { el, kind, nodes: Map<stateId, SVGElement> }
const drawing = new Map(); // actor id → its chart being laid out (refreshes may overlap)
const timeline = document.getElementById('timeline');
let graphs = {};
let selected = null;

const kindOf = (id) => (id === 'supervisor' ? 'supervisor' : id.startsWith('block-') ? 'block' : id.startsWith('voltmeter-') ? 'voltmeter' : 'connector');
const NODE_W = 118;
const NODE_H = 30;

/** Every state id active in an XState value, as `machine.a.b` paths. */
function activeIds(machine, value, prefix = machine) {
  if (value == null) return [];
  if (typeof value === 'string') return [`${prefix}.${value}`];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...activeIds(machine, v, `${prefix}.${k}`)]);
}

function chartFor(actorId, kind) {
  if (!drawing.has(actorId)) drawing.set(actorId, draw(actorId, kind));
  return drawing.get(actorId);
}

/** "xstate.done.actor.0.block.ramping" → "done", as the charts' arrows say. */
function eventLabel(event) {
  if (event.startsWith('xstate.done.actor')) return 'done';
  if (event.startsWith('xstate.error.actor')) return 'error';
  const after = /^xstate\.after\.(.+?)\./.exec(event);
  return after ? `after ${after[1]}` : event;
}

async function draw(actorId, kind) {
  const graph = graphs[kind];
  const card = document.createElement('article');
  card.className = 'card actor';
  card.dataset.actor = actorId;
  card.innerHTML = `<h2>${actorId} <span class="muted">${kind}</span> <span class="badge supervision"></span></h2><div class="chart"></div>`;
  document.getElementById('actors').append(card);
  card.addEventListener('click', () => showContext(actorId));
  const root = graph.nodes[0].id;
  const states = graph.nodes.filter((n) => n.id !== root);
  const layout = await elk.layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '28', 'elk.layered.spacing.nodeNodeBetweenLayers': '46', 'elk.edgeLabels.inline': 'false' },
    children: states.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: graph.edges
      .filter((e) => e.from !== root && e.to !== root)
      .map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to], labels: [{ text: e.label, width: Math.min(110, 6 * e.label.length), height: 12 }] })),
  });
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `-10 -10 ${layout.width + 20} ${layout.height + 20}`);
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#98a2b3"/></marker></defs>';
  for (const edge of layout.edges ?? []) {
    for (const s of edge.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      const g = document.createElementNS(ns, 'g');
      g.setAttribute('class', 'edge');
      g.innerHTML = `<path d="M${pts.map((p) => `${p.x},${p.y}`).join(' L')}" marker-end="url(#arrow)"/>`;
      const label = edge.labels?.[0];
      if (label && label.x !== undefined) g.innerHTML += `<text x="${label.x}" y="${label.y + 10}">${label.text}</text>`;
      svg.append(g);
    }
  }
  const nodes = new Map();
  for (const child of layout.children ?? []) {
    const def = states.find((n) => n.id === child.id);
    const g = document.createElementNS(ns, 'g');
    const label = def.parent !== root ? `${def.parent.split('.').pop()}.${def.label}` : def.label;
    g.setAttribute('class', `state-node ${def.type}`);
    g.dataset.state = label;
    g.innerHTML = `<rect x="${child.x}" y="${child.y}" width="${child.width}" height="${child.height}" rx="8"/><text x="${child.x + child.width / 2}" y="${child.y + 19}" text-anchor="middle" font-size="12">${def.initial ? '▸ ' : ''}${label}</text>`;
    svg.append(g);
    nodes.set(child.id, g);
  }
  card.querySelector('.chart').append(svg);
  const chart = { el: card, kind, machine: root, nodes };
  charts.set(actorId, chart);
  return chart;
}

function highlight(actorId, value) {
  const chart = charts.get(actorId);
  if (!chart) return;
  const active = new Set(activeIds(chart.machine, value));
  for (const [id, g] of chart.nodes) g.classList.toggle('active', active.has(id));
  chart.el.dataset.state = [...active].map((id) => id.split('.').slice(1).join('.')).join(' ');
}

function setSupervision(actorId, supervision) {
  const chart = charts.get(actorId);
  if (!chart || !supervision) return;
  const badge = chart.el.querySelector('.badge.supervision');
  badge.textContent = supervision.status;
  chart.el.classList.toggle('restarting', supervision.status === 'restarting');
  chart.el.classList.toggle('failed', supervision.status === 'failed');
  chart.el.dataset.supervision = supervision.status;
}

function addTimeline(text) {
  const line = document.createElement('div');
  line.textContent = text;
  timeline.prepend(line);
  while (timeline.children.length > 400) timeline.lastChild.remove();
}

async function showContext(actorId) {
  selected = actorId;
  document.getElementById('context-of').textContent = actorId;
  const status = await (await fetch('/api/status')).json();
  const actor = status.actors.find((a) => a.id === actorId);
  const shown = actor ? { state: actor.state_detail, supervision: actor.supervision, context: actor.context } : { state: status.supervisor, children: status.actors.map((a) => ({ id: a.id, ...a.supervision })) };
  document.getElementById('context').textContent = JSON.stringify(shown, null, 2);
}

async function refresh() {
  const status = await (await fetch('/api/status')).json();
  document.getElementById('training-link').hidden = !status.training;
  await chartFor('supervisor', 'supervisor');
  highlight('supervisor', status.supervisor);
  for (const actor of status.actors) {
    await chartFor(actor.id, kindOf(actor.id));
    if (actor.state_detail) highlight(actor.id, actor.state_detail);
    setSupervision(actor.id, actor.supervision);
  }
  if (selected) showContext(selected);
}

function onMessage(m) {
  if (m.type !== 'event' || m.event_type !== 'inspect') return;
  const time = new Date(m.at).toLocaleTimeString();
  if (m.kind === 'started') {
    addTimeline(`${time}  ${m.actor} started`);
    return;
  }
  if (m.kind === 'snapshot') {
    highlight(m.actor, m.state);
    const state = typeof m.state === 'string' ? m.state : JSON.stringify(m.state);
    if (m.event && m.event !== 'READING' && m.event !== 'CLIENTS_CHANGED') addTimeline(`${time}  ${m.actor}  ${eventLabel(m.event)} → ${state}${m.status === 'done' ? ' (ended)' : ''}`);
  }
}

async function start() {
  graphs = Object.fromEntries((await (await fetch('/api/machines')).json()).map((g) => [g.machine, g]));
  openChannel({
    observe: true,
    onMessage,
    onState: (state) => {
      setConnectionBadge(state);
      if (state === 'online') refresh().catch(() => {});
    },
  });
  await refresh();
  setInterval(() => refresh().catch(() => setConnectionBadge('offline')), 2000);
}

start();
