// client.mjs: drives cg-mcp with the official MCP TypeScript SDK client over stdio, and checks
// every tool's answer against cg-query's on the same store. Run by tests/mcp.bats:
//   node client.mjs CG_BINDIR STORE
// The SDK's callTool validates structuredContent against the tool's outputSchema (checked
// below with a server that breaks its own schema); a mismatch rejects the call.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [bindir, store] = process.argv.slice(2);
const TOOLS = ['cg_find', 'cg_item', 'cg_neighbors', 'cg_callers', 'cg_implementors', 'cg_dependents',
  'cg_users', 'cg_path', 'cg_at', 'cg_impact', 'cg_stats'];
const CIRCLE_NEW = 'shapes_core::geometry::shapes::<impl Circle>::new';
const CIRCLE_AREA = 'shapes_core::geometry::shapes::<impl Shape for Circle>::area'; // called through Shape::area

let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n# ${String(e.stack || e).split('\n').join('\n# ')}`);
  }
}

// cg-query's answer lines for one query, parsed.
function query(...args) {
  const out = execFileSync(`${bindir}/cg-query`, ['-d', store, ...args], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const client = new Client({ name: 'cg-mcp-test', version: '1.0.0' });
const transport = new StdioClientTransport({ command: `${bindir}/cg-mcp`, args: ['-d', store],
  stderr: 'inherit' });
let negotiated; // the SDK hands the version initialize agreed on to a transport that asks
transport.setProtocolVersion = (v) => { negotiated = v; };
await client.connect(transport);

async function call(name, args) {
  const r = await client.callTool({ name, arguments: args });
  assert.notEqual(r.isError, true, `${name} failed: ${JSON.stringify(r.content)}`);
  assert.equal(r.content[0].type, 'text');
  return r;
}

const ids = (items) => items.map((i) => i.id);
const sorted = (a) => [...a].sort();

await check('initialize: protocol 2025-11-25, server info, tools capability', async () => {
  assert.equal(client.getServerVersion().name, 'cg-mcp');
  assert.ok(client.getServerCapabilities().tools);
  assert.equal(negotiated, '2025-11-25');
  assert.match(client.getInstructions(), /cg_find/);
});

await check('tools/list: exactly the cg_* tools, each with input and output schemas', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), TOOLS);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.equal(t.outputSchema.type, 'object', t.name);
    assert.ok(t.description.length > 20, t.name);
  }
});

await check('the SDK rejects structuredContent that breaks the outputSchema', async () => {
  const server = new Server({ name: 'liar', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'x',
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object', required: ['items'], properties: { items: { type: 'array' } } } }] }));
  server.setRequestHandler(CallToolRequestSchema, async () => ({ content: [],
    structuredContent: { items: 3 } }));
  const [a, b] = InMemoryTransport.createLinkedPair();
  const c = new Client({ name: 't', version: '1' });
  await Promise.all([server.connect(a), c.connect(b)]);
  await c.listTools();
  await assert.rejects(c.callTool({ name: 'x', arguments: {} }), /structured content does not match/i);
  await c.close();
});

await check('cg_find: prefix and kind, as cg-query find, with how many more', async () => {
  const q = query('find', 'Sha', '--match', 'prefix');
  const r = await call('cg_find', { name: 'Sha', match: 'prefix', limit: 2 });
  const s = r.structuredContent;
  assert.equal(s.total, q.length);
  assert.equal(s.shown, 2);
  assert.equal(s.more, q.length - 2);
  assert.deepEqual(ids(s.items), q.slice(0, 2).map((l) => l.vertex.id));
  assert.match(r.content[0].text, new RegExp(`${q.length - 2} more items`));
  const traits = query('find', '--kind', 'trait', '--crate', 'shapes_core');
  const t = (await call('cg_find', { kind: 'trait', crate: 'shapes_core', limit: 1000 })).structuredContent;
  assert.deepEqual(ids(t.items), traits.map((l) => l.vertex.id));
  assert.equal(t.more, 0);
});

await check('cg_find: exact name; text is one item a line, kind path file:line', async () => {
  const q = query('find', 'Circle');
  const r = await call('cg_find', { name: 'Circle' });
  assert.deepEqual(ids(r.structuredContent.items), q.map((l) => l.vertex.id));
  const v = q[0].vertex;
  assert.equal(r.content[0].text.split('\n')[0], `${v.kind} ${v.path} ${v.file}:${v.line}`);
});

await check('cg_find: case-insensitive substring and fuzzy matches, ranked as cg-query ranks them', async () => {
  for (const [name, match] of [['circ', 'substring'], ['SHAPE', 'prefix'], ['Cirle', 'fuzzy']]) {
    const q = query('find', name, '--match', match);
    assert.ok(q.length > 0, `find ${name} --match ${match} answers nothing on the fixture`);
    const s = (await call('cg_find', { name, match, limit: 1000 })).structuredContent;
    assert.deepEqual(s.items.map((i) => [i.id, i.match]), q.map((l) => [l.vertex.id, l.match]));
  }
});

await check('cg_at: the innermost item at FILE:LINE, as cg-query at', async () => {
  const [{ vertex: m }] = query('vertex', CIRCLE_NEW);
  for (const [file, line] of [[m.file, m.line], [m.file.split('/').pop(), m.end_line], [`./${m.file}`, m.line]]) {
    const q = query('at', `${file}:${line}`);
    const s = (await call('cg_at', { file, line })).structuredContent;
    assert.deepEqual(ids(s.items), q.map((l) => l.vertex.id));
    assert.equal(s.items[0].id, m.id);
  }
  const r = await client.callTool({ name: 'cg_at', arguments: { file: m.file, line: 100000 } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /no item's span holds/);
});

await check('cg_item: the vertex and its edge counts by type and direction', async () => {
  const [line] = query('vertex', 'shapes_core::Circle');
  const v = line.vertex;
  const edges = query('neighbors', v.id, '--both');
  const counts = { out: {}, in: {} };
  for (const { edge } of edges) {
    const side = edge.src === v.id ? counts.out : counts.in;
    side[edge.label] = (side[edge.label] || 0) + 1;
  }
  const s = (await call('cg_item', { name: 'shapes_core::Circle' })).structuredContent;
  assert.equal(s.total, 1);
  const { edges: got, match, ...rest } = s.items[0];
  assert.deepEqual(rest, v);
  assert.equal(match, line.match);
  assert.deepEqual(got, counts);
});

await check('cg_neighbors: direction and type filter', async () => {
  const q = query('neighbors', 'shapes_core::Circle', '--in', '--type', 'Uses');
  const s = (await call('cg_neighbors', { name: 'shapes_core::Circle', direction: 'in', types: ['Uses'],
    limit: 100 })).structuredContent;
  assert.deepEqual(ids(s.items), q.map((l) => l.vertex.id));
  assert.ok(s.items.every((i) => i.direction === 'in' && i.via === 'Uses'));
});

for (const [tool, op, name] of [['cg_callers', 'callers', CIRCLE_NEW], ['cg_callers', 'callers', CIRCLE_AREA],
  ['cg_implementors', 'implementors', 'shapes_core::Shape'], ['cg_users', 'users', 'shapes_core::Circle'],
  ['cg_dependents', 'dependents', 'shapes_core']]) {
  await check(`${tool}: the same walk as cg-query ${op} ${name}`, async () => {
    const q = query(op, name);
    assert.ok(q.length > 0, `${op} ${name} answers nothing on the fixture`);
    const s = (await call(tool, { name, limit: 1000 })).structuredContent;
    assert.deepEqual(s.items.map((i) => [i.id, i.depth, i.via, i.through]),
      q.map((l) => [l.vertex.id, l.depth, l.edge.label, l.through]));
    const d1 = query(op, name, '--depth', '1');
    const s1 = (await call(tool, { name, depth: 1, limit: 1000 })).structuredContent;
    assert.deepEqual(sorted(ids(s1.items)), sorted(d1.map((l) => l.vertex.id)));
  });
}

await check('cg_path: the same steps as cg-query path', async () => {
  const q = query('path', 'shapes_cli', 'shapes_core::Shape', '--both');
  const s = (await call('cg_path', { from: 'shapes_cli', to: 'shapes_core::Shape', direction: 'both' }))
    .structuredContent;
  assert.equal(s.found, true);
  assert.equal(s.length, q.length - 1);
  assert.deepEqual(ids(s.steps), q.map((l) => l.vertex.id));
  const none = (await call('cg_path', { from: 'shapes_core::Shape', to: 'shapes_cli' })).structuredContent;
  assert.equal(none.found, query('path', 'shapes_core::Shape', 'shapes_cli').length > 0);
});

await check('cg_impact: reverse Calls/Uses/Implements closure, counted by crate', async () => {
  const q = query('traverse', 'shapes_core::Shape', '--in', '--type', 'Calls,Uses,Implements', '--depth', '3')
    .filter((l) => l.depth > 0);
  const s = (await call('cg_impact', { name: 'shapes_core::Shape', limit: 5 })).structuredContent;
  assert.equal(s.total, q.length);
  assert.equal(s.more, q.length - 5);
  const byCrate = {};
  for (const l of q) byCrate[l.vertex.crate] = (byCrate[l.vertex.crate] || 0) + 1;
  assert.deepEqual(Object.fromEntries(s.by_crate.map((c) => [c.crate, c.count])), byCrate);
  assert.equal(s.item.path, 'shapes_core::Shape');
});

await check('cg_stats: the counts cg-query stats gives', async () => {
  const [{ stats }] = query('stats');
  const s = (await call('cg_stats', {})).structuredContent;
  assert.equal(s.vertices, stats.vertices);
  assert.equal(s.edges, stats.edges);
  assert.deepEqual(s.edge_types, stats.edge_types);
  assert.deepEqual(s.crates.map((c) => c.unit), stats.crates.map((c) => c.unit));
});

await check('bad arguments are tool errors (isError), an unknown tool a protocol error', async () => {
  const r = await client.callTool({ name: 'cg_find', arguments: { limit: 0 } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /limit/);
  const amb = await client.callTool({ name: 'cg_callers', arguments: {} });
  assert.equal(amb.isError, true);
  await assert.rejects(client.callTool({ name: 'cg_nope', arguments: {} }), (e) => e.code === -32602);
});

await check('ping', async () => {
  assert.deepEqual(await client.ping(), {});
});

await client.close();
console.log(failed ? `# ${failed} failed` : '# all passed');
process.exit(failed ? 1 : 0);
