// A machine's states and transitions, read from its own definition, for the page to draw.

import type { AnyStateMachine } from 'xstate';

export interface GraphNode {
  id: string;
  label: string;
  parent: string | null;
  type: string;
  initial: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

export interface MachineGraph {
  machine: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

interface StateNodeLike {
  id: string;
  key: string;
  type: string;
  parent?: StateNodeLike;
  states: Record<string, StateNodeLike>;
  initial?: { target?: StateNodeLike[] };
  transitions: Map<string, { target?: StateNodeLike[] }[]>;
  always?: { target?: StateNodeLike[] }[];
}

/** "xstate.done.actor.0.block.ramping" → "done", "xstate.after.commandTimeout..." → "after commandTimeout". */
export function eventLabel(event: string): string {
  if (event.startsWith('xstate.done.actor')) return 'done';
  if (event.startsWith('xstate.error.actor')) return 'error';
  const after = /^xstate\.after\.(.+?)\./.exec(event);
  if (after) return `after ${after[1]}`;
  return event;
}

export function machineGraph(name: string, machine: AnyStateMachine): MachineGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const walk = (node: StateNodeLike, parent: StateNodeLike | null) => {
    const initial = parent?.initial?.target?.some((t) => t.id === node.id) ?? false;
    nodes.push({ id: node.id, label: node.key, parent: parent?.id ?? null, type: node.type, initial });
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions) for (const target of t.target ?? []) edges.push({ from: node.id, to: target.id, label: eventLabel(event) });
    }
    for (const t of node.always ?? []) for (const target of t.target ?? []) edges.push({ from: node.id, to: target.id, label: 'always' });
    for (const child of Object.values(node.states)) walk(child, node);
  };
  walk(machine.root as unknown as StateNodeLike, null);
  // The same event between the same states under several guards is one arrow on the page.
  const seen = new Set<string>();
  return { machine: name, nodes, edges: edges.filter((e) => (seen.has(`${e.from}>${e.to}>${e.label}`) ? false : (seen.add(`${e.from}>${e.to}>${e.label}`), true))) };
}
