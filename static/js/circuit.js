/* The circuit as the page needs it: lookups over one /api/graph answer, the server's document.
 *
 * Its nodes and wires by id, its steps, and the order gates and wires are visited in. Pure
 * functions, no DOM. */


/** Lookups over one /api/graph answer. */
export function model(data) {
  const nodes = new Map(data.nodes.map((node) => [node.id, node]));
  const trunks = new Map();
  const branches = new Map(); // "source consumer operand" -> wire
  const branchesOf = new Map(); // source -> [wire]
  for (const wire of data.wires) {
    if (wire.consumer === null) trunks.set(wire.node, wire);
    else {
      branches.set(`${wire.node} ${wire.consumer} ${wire.operand}`, wire);
      if (!branchesOf.has(wire.node)) branchesOf.set(wire.node, []);
      branchesOf.get(wire.node).push(wire);
    }
  }
  const uses = new Map(data.nodes.map((node) => [node.id, []])); // source -> [{gate, index, operand}]
  for (const gate of data.nodes) {
    gate.operands.forEach((operand, index) => {
      if ("node" in operand) uses.get(operand.node).push({ gate, index, operand });
    });
  }
  const wires = new Map(data.wires.map((wire) => [wire.id, wire]));
  /** The wire that carries `operand` of `gate`: its fork's branch, or the source's own wire. */
  const wireInto = (gate, index, source) => branches.get(`${source} ${gate.id} ${index}`) || trunks.get(source);
  const m = { data, nodes, trunks, branchesOf, uses, wires, wireInto, precision: data.options.precision };
  m.steps = stepsOf(m);
  return m;
}

/** A node as the lecture names it: its input or step name (q in `q = x + y`), else the
 * expression it computes, as typed. */
export function nodeName(node) {
  return node.name || node.expr;
}

/** The use a wire feeds: for a branch, its gate and operand; for a node's own wire, its first use. */
export function useOf(m, wire) {
  const uses = m.uses.get(wire.node);
  return wire.consumer === null ? uses[0] : uses.find((use) => use.gate.id === wire.consumer && use.index === wire.operand);
}

/** A gate's wires, each with the name the server's formulas give it (α, β: never a variable's). */
export function wiredOperands(gate) {
  return gate.operands.map((operand, index) => ({ operand, index, name: operand.symbol }))
    .filter(({ operand }) => "node" in operand);
}

/** The steps of the two passes as the server's document orders them (the forward pass gate by gate, then
 * the backward pass in reverse; each step says which numbers it reveals), with the nodes and
 * wires they name looked up. */
function stepsOf(m) {
  return m.data.steps.map((step) => ({
    ...step,
    node: step.node === null ? null : m.nodes.get(step.node),
    chains: step.chains.map(({ operand, wire }) => {
      const gate = m.nodes.get(step.node);
      return { operand: gate.operands[operand], name: gate.operands[operand].symbol, wire: m.wires.get(wire) };
    }),
  }));
}

/** The node and every node its value flows into, up to the output. */
export function downstream(m, start) {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length) {
    for (const use of m.uses.get(queue.shift())) {
      if (!seen.has(use.gate.id)) {
        seen.add(use.gate.id);
        queue.push(use.gate.id);
      }
    }
  }
  return seen;
}

/** The ids of the gates and wires in reading order: the inputs' wires, then each gate with its own wire and
 * its fork's branches, in topological order (the SVG's own order is the layout's). */
export function readingOrder(m) {
  const { data, trunks, branchesOf } = m;
  const ids = [];
  for (const node of data.nodes) {
    if (node.op !== "input") ids.push("gate-" + node.id);
    ids.push(trunks.get(node.id).id, ...(branchesOf.get(node.id) || []).map((wire) => wire.id));
  }
  return ids;
}
