// The graph webview's HTML: waves as columns, edges between boxes, escaping.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { type GraphView, type ResourceView, escapeHtml, graphHtml, graphSvg, layout } from '../src/graphHtml';

function resource(id: string, kind: string, wave: number, dependencies: string[], extra: Partial<ResourceView> = {}): ResourceView {
  return { id, apiVersion: 'v1', kind, wave, dependencies, dependents: [], conditional: false, collection: false, external: false, ...extra };
}

// The shape kro-lsp returns for the webapp example.
const webapp: GraphView = {
  name: 'webapp',
  kind: 'WebApp',
  resources: [
    resource('config', 'ConfigMap', 1, []),
    resource('deployment', 'Deployment', 2, ['config']),
    resource('service', 'Service', 3, ['deployment']),
    resource('ingress', 'Ingress', 4, ['service'], { conditional: true }),
  ],
  topologicalOrder: ['config', 'deployment', 'service', 'ingress'],
};

test('one column per wave, in topological order', () => {
  const l = layout({
    ...webapp,
    resources: [resource('b', 'X', 1, []), resource('a', 'X', 1, []), resource('c', 'X', 2, ['a', 'b'])],
    topologicalOrder: ['a', 'b', 'c'],
  });
  assert.deepEqual(l.columns, [
    { label: 'wave 1', ids: ['a', 'b'] },
    { label: 'wave 2', ids: ['c'] },
  ]);
  assert.ok(l.boxes.get('a')!.y < l.boxes.get('b')!.y);
  assert.ok(l.boxes.get('a')!.x < l.boxes.get('c')!.x);
});

test('resources on a cycle get their own column', () => {
  const l = layout({
    name: 'loop',
    resources: [resource('a', 'X', 0, ['b']), resource('b', 'X', 0, ['a']), resource('c', 'X', 1, [])],
    topologicalOrder: ['c'],
  });
  assert.deepEqual(l.columns.map((c) => c.label), ['wave 1', 'on a cycle']);
});

test('the svg has a box per resource and an edge per dependency', () => {
  const svg = graphSvg(webapp);
  const nodes = [...svg.matchAll(/<g class="([^"]*)" data-id="([^"]*)" data-wave="(\d+)">/g)].map((m) => [m[2], m[3], m[1]]);
  assert.deepEqual(nodes, [
    ['config', '1', 'node'],
    ['deployment', '2', 'node'],
    ['service', '3', 'node'],
    ['ingress', '4', 'node conditional'],
  ]);
  const edges = [...svg.matchAll(/data-from="([^"]*)" data-to="([^"]*)"/g)].map((m) => `${m[1]} -> ${m[2]}`);
  assert.deepEqual(edges, ['config -> deployment', 'deployment -> service', 'service -> ingress']);
  assert.match(svg, /<text class="kind"[^>]*>Ingress \[conditional\]<\/text>/);
  assert.deepEqual([...svg.matchAll(/class="wave"[^>]*>([^<]*)</g)].map((m) => m[1]), ['wave 1', 'wave 2', 'wave 3', 'wave 4']);
});

test('the page titles each RGD and escapes what the user wrote', () => {
  const html = graphHtml([{ ...webapp, name: '<script>x</script>', kind: 'A&B' }], { title: 'Graph: a.yaml', nonce: 'n0' });
  assert.ok(!html.includes('<script>x'), 'names are escaped');
  assert.match(html, /<h2>&lt;script&gt;x&lt;\/script&gt; <span class="kind">\(kind A&amp;B\)<\/span><\/h2>/);
  assert.match(html, /<style nonce="n0">/);
  assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-n0&#39;/);
});

test('empty inputs say so', () => {
  assert.match(graphHtml([], { title: 't' }), /No ResourceGraphDefinition in this file\./);
  assert.match(graphHtml([{ name: 'e', resources: [], topologicalOrder: [] }], { title: 't' }), /No resources\./);
});

test('escapeHtml escapes the five characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
