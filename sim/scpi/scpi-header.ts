// SCPI header matching: "[SENSe:]VOLTage[:DC]:NPLCycles" accepts VOLT:NPLC, sens:voltage:dc:nplcycles,
// :VOLT:DC:NPLC ... — each mnemonic in its short (upper-case part) or long form, any case,
// optional nodes in brackets.

interface Node {
  short: string;
  long: string;
  optional: boolean;
}

export interface HeaderPattern {
  nodes: Node[];
  query: boolean;
  /** Common commands (*IDN?) match literally. */
  common: string | null;
}

export function compileHeader(pattern: string): HeaderPattern {
  const query = pattern.endsWith('?');
  const body = query ? pattern.slice(0, -1) : pattern;
  if (body.startsWith('*')) return { nodes: [], query, common: body.toUpperCase() };
  const nodes: Node[] = [];
  // Split "[SENSe:]VOLTage[:DC]:NPLCycles" into bracketed and plain parts.
  const re = /\[:?([A-Za-z0-9]+):?\]|:?([A-Za-z0-9]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const word = (m[1] ?? m[2])!;
    const short = word.replace(/[a-z]/g, '');
    nodes.push({ short: short.toUpperCase(), long: word.toUpperCase(), optional: m[1] !== undefined });
  }
  return { nodes, query, common: null };
}

function mnemonicMatches(node: Node, token: string): boolean {
  const t = token.toUpperCase().replace(/\d+$/, (d) => (node.long.endsWith(d) ? d : ''));
  return t === node.short || t === node.long;
}

export function headerMatches(pattern: HeaderPattern, header: string): boolean {
  const query = header.endsWith('?');
  if (query !== pattern.query) return false;
  const body = (query ? header.slice(0, -1) : header).replace(/^:/, '');
  if (pattern.common !== null) return body.toUpperCase() === pattern.common;
  if (body.startsWith('*')) return false;
  const tokens = body.split(':');
  const match = (n: number, t: number): boolean => {
    if (n === pattern.nodes.length) return t === tokens.length;
    const node = pattern.nodes[n]!;
    if (t < tokens.length && mnemonicMatches(node, tokens[t]!) && match(n + 1, t + 1)) return true;
    return node.optional && match(n + 1, t);
  };
  return match(0, 0);
}
