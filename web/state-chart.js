// One actor's state chart, drawn from its machine's own definition (GET /api/machines) and laid
// out by elkjs: states as boxes (nested ones inside their parent), transitions as arrows labelled
// with their events. Drawn at its natural size, 13 px state names and 12 px event labels, and
// scrolled sideways inside its card when wider: readable at 100 % zoom, on a phone too.

const NS = 'http://www.w3.org/2000/svg';
const NODE_H = 32;
const NODE_FONT = 13;
const EDGE_FONT = 12;
/** Approximate width of a character at these sizes, for the layout (the text is measured by no one). */
const CHAR_W = 7.4;

/** "xstate.done.actor.0.block.ramping" → "done", as the charts' arrows say. */
export function eventLabel(event) {
  if (event.startsWith('xstate.done.actor')) return 'done';
  if (event.startsWith('xstate.error.actor')) return 'error';
  const after = /^xstate\.after\.(.+?)\./.exec(event);
  return after ? `after ${after[1]}` : event;
}

/** Every state id active in an XState value, as `machine.a.b` paths. */
export function activeIds(machine, value, prefix = machine) {
  if (value == null) return [];
  if (typeof value === 'string') return [`${prefix}.${value}`];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...activeIds(machine, v, `${prefix}.${k}`)]);
}

function svgEl(name, attrs = {}, text = null) {
  const el = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

/** Lays out and draws `graph` ({nodes, edges}); returns the svg and each state's group by id. */
export async function drawChart(elk, graph, markerId) {
  const root = graph.nodes[0].id;
  const byParent = new Map();
  for (const n of graph.nodes) if (n.parent) byParent.set(n.parent, [...(byParent.get(n.parent) ?? []), n]);
  const labelOf = (n) => `${n.initial ? '▸ ' : ''}${n.label}`;
  // Nested states are drawn inside their parent: ELK lays the hierarchy out in one pass.
  const elkNode = (n) => {
    const kids = byParent.get(n.id) ?? [];
    return kids.length
      ? { id: n.id, layoutOptions: { 'elk.padding': '[top=30,left=12,bottom=12,right=12]' }, children: kids.map(elkNode) }
      : { id: n.id, width: Math.max(96, Math.ceil(labelOf(n).length * CHAR_W) + 22), height: NODE_H };
  };
  const layout = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.edgeLabel': '4',
    },
    children: (byParent.get(root) ?? []).map(elkNode),
    edges: graph.edges
      .filter((e) => e.from !== root && e.to !== root)
      .map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to], labels: [{ text: e.label, width: Math.ceil(e.label.length * 6.8) + 4, height: 15 }] })),
  });
  const width = Math.ceil(layout.width + 20);
  const height = Math.ceil(layout.height + 20);
  // Natural size: one unit of the layout is one CSS pixel, so the fonts are what they say.
  const svg = svgEl('svg', { viewBox: `-10 -10 ${width} ${height}`, width, height, role: 'img' });
  const defs = svgEl('defs');
  const marker = svgEl('marker', { id: markerId, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(svgEl('path', { d: 'M0,0 L8,4 L0,8 z' }));
  defs.append(marker);
  svg.append(defs);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const offset = new Map([['root', { x: 0, y: 0 }]]);
  const nodes = new Map();
  const drawNode = (child, ox, oy) => {
    const def = byId.get(child.id);
    const x = ox + child.x;
    const y = oy + child.y;
    offset.set(child.id, { x, y });
    const compound = (child.children ?? []).length > 0;
    const g = svgEl('g', { class: `state-node ${def.type}${compound ? ' compound' : ''}` });
    g.dataset.state = def.label;
    g.dataset.node = child.id;
    g.append(svgEl('rect', { x, y, width: child.width, height: child.height, rx: compound ? 10 : 8 }));
    g.append(
      compound
        ? svgEl('text', { x: x + 10, y: y + 19, 'font-size': NODE_FONT, 'font-weight': 600 }, labelOf(def))
        : svgEl('text', { x: x + child.width / 2, y: y + 21, 'text-anchor': 'middle', 'font-size': NODE_FONT }, labelOf(def)),
    );
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
      const g = svgEl('g', { class: 'edge' });
      g.append(svgEl('path', { d: `M${pts.map((p) => `${p.x + o.x},${p.y + o.y}`).join(' L')}`, 'marker-end': `url(#${markerId})` }));
      const label = edge.labels?.[0];
      if (label && label.x !== undefined) g.append(svgEl('text', { x: label.x + o.x, y: label.y + o.y + 12, 'font-size': EDGE_FONT }, label.text));
      svg.append(g);
    }
  }
  return { svg, nodes, machine: root };
}
