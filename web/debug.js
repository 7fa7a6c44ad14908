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
  const byParent = new Map();
  for (const n of graph.nodes) if (n.parent) byParent.set(n.parent, [...(byParent.get(n.parent) ?? []), n]);
  // Nested states are drawn inside their parent: ELK lays the hierarchy out in one pass.
  const elkNode = (n) => {
    const kids = byParent.get(n.id) ?? [];
    return kids.length
      ? { id: n.id, layoutOptions: { 'elk.padding': '[top=26,left=10,bottom=10,right=10]' }, children: kids.map(elkNode) }
      : { id: n.id, width: NODE_W, height: NODE_H };
  };
  const layout = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.spacing.nodeNode': '26',
      'elk.layered.spacing.nodeNodeBetweenLayers': '44',
    },
    children: (byParent.get(root) ?? []).map(elkNode),
    edges: graph.edges
      .filter((e) => e.from !== root && e.to !== root)
      .map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to], labels: [{ text: e.label, width: Math.min(110, 6 * e.label.length), height: 12 }] })),
  });
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `-10 -10 ${layout.width + 20} ${layout.height + 20}`);
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#98a2b3"/></marker></defs>';
  const defs = new Map(graph.nodes.map((n) => [n.id, n]));
  const offset = new Map([['root', { x: 0, y: 0 }]]);
  const nodes = new Map();
  const drawNode = (child, ox, oy) => {
    const def = defs.get(child.id);
    const x = ox + child.x;
    const y = oy + child.y;
    offset.set(child.id, { x, y });
    const g = document.createElementNS(ns, 'g');
    const compound = (child.children ?? []).length > 0;
    g.setAttribute('class', `state-node ${def.type}${compound ? ' compound' : ''}`);
    g.dataset.state = def.label;
    g.dataset.node = child.id;
    const label = `${def.initial ? '▸ ' : ''}${def.label}`;
    g.innerHTML = compound
      ? `<rect x="${x}" y="${y}" width="${child.width}" height="${child.height}" rx="10"/><text x="${x + 10}" y="${y + 17}" font-size="12" font-weight="600">${label}</text>`
      : `<rect x="${x}" y="${y}" width="${child.width}" height="${child.height}" rx="8"/><text x="${x + child.width / 2}" y="${y + 19}" text-anchor="middle" font-size="12">${label}</text>`;
    svg.append(g);
    nodes.set(child.id, g);
    for (const c of child.children ?? []) drawNode(c, x, y);
  };
  for (const child of layout.children ?? []) drawNode(child, 0, 0);
  for (const edge of layout.edges ?? []) {
    // Edge coordinates are relative to the node that contains the edge.
    const o = offset.get(edge.container ?? 'root') ?? { x: 0, y: 0 };
    for (const sec of edge.sections ?? []) {
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
      const g = document.createElementNS(ns, 'g');
      g.setAttribute('class', 'edge');
      g.innerHTML = `<path d="M${pts.map((p) => `${p.x + o.x},${p.y + o.y}`).join(' L')}" marker-end="url(#arrow)"/>`;
      const label = edge.labels?.[0];
      if (label && label.x !== undefined) g.innerHTML += `<text x="${label.x + o.x}" y="${label.y + o.y + 10}">${label.text}</text>`;
      svg.append(g);
    }
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

const lastState = new Map(); // actor id → its last state value

/** An idle block's routine output check (watching → probing → watching, every few seconds) is not news for the timeline. */
function isOutputProbe(state, before) {
  const idle = (v) => (v && typeof v === 'object' && typeof v.idle === 'string' ? v.idle : null);
  return idle(state) === 'probing' || (idle(state) === 'watching' && idle(before) === 'probing');
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
    const before = lastState.get(m.actor);
    lastState.set(m.actor, m.state);
    if (isOutputProbe(m.state, before)) return;
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
