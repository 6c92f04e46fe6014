/**
 * The `kro/graph` response (one GraphView per RGD in the file) drawn as HTML with an inline SVG:
 * one column per apply wave, a box per resource and an arrow from each dependency to its
 * dependent. Pure string building, unit tested; the webview only shows the result.
 */

/** One resource, as `kro_core::graph::render::ResourceView` serialises it. */
export interface ResourceView {
  id: string;
  apiVersion?: string | null;
  kind?: string | null;
  /** 1-based apply wave; 0 when on a cycle. */
  wave: number;
  dependencies: string[];
  dependents: string[];
  conditional: boolean;
  collection: boolean;
  external: boolean;
}

/** One RGD's graph, as `kro_core::graph::render::GraphView` serialises it. */
export interface GraphView {
  name: string;
  kind?: string | null;
  resources: ResourceView[];
  topologicalOrder: string[];
}

/** Escape text for HTML and SVG content and attributes. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Where each resource box sits. */
export interface Layout {
  /** Columns left to right: waves 1..n, then a column of resources on a cycle (wave 0). */
  columns: { label: string; ids: string[] }[];
  /** Box position by id. */
  boxes: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
}

const BOX_W = 180;
const BOX_H = 44;
const GAP_X = 70;
const GAP_Y = 18;
const TOP = 34;
const LEFT = 10;

/** Lay the resources out: a column per wave, in topological order within a wave. */
export function layout(view: GraphView): Layout {
  const order = new Map(view.topologicalOrder.map((id, i) => [id, i]));
  const rank = (r: ResourceView) => order.get(r.id) ?? Number.MAX_SAFE_INTEGER;
  const waves = Math.max(0, ...view.resources.map((r) => r.wave));
  const columns: Layout['columns'] = [];
  for (let w = 1; w <= waves; w++) {
    const ids = view.resources
      .filter((r) => r.wave === w)
      .sort((a, b) => rank(a) - rank(b))
      .map((r) => r.id);
    columns.push({ label: `wave ${w}`, ids });
  }
  const cyclic = view.resources.filter((r) => r.wave === 0).map((r) => r.id);
  if (cyclic.length > 0) {
    columns.push({ label: 'on a cycle', ids: cyclic });
  }
  const boxes = new Map<string, { x: number; y: number }>();
  columns.forEach((column, c) => {
    column.ids.forEach((id, row) => {
      boxes.set(id, { x: LEFT + c * (BOX_W + GAP_X), y: TOP + row * (BOX_H + GAP_Y) });
    });
  });
  const rows = Math.max(1, ...columns.map((c) => c.ids.length));
  return {
    columns,
    boxes,
    width: LEFT * 2 + Math.max(1, columns.length) * (BOX_W + GAP_X) - GAP_X,
    height: TOP + rows * (BOX_H + GAP_Y),
  };
}

/** The SVG of one graph. */
export function graphSvg(view: GraphView): string {
  const l = layout(view);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" role="img" aria-label="${escapeHtml(`dependency graph of ${view.name}`)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
  );
  l.columns.forEach((column, c) => {
    const x = LEFT + c * (BOX_W + GAP_X) + BOX_W / 2;
    parts.push(`<text class="wave" x="${x}" y="18" text-anchor="middle">${escapeHtml(column.label)}</text>`);
  });
  for (const r of view.resources) {
    const to = l.boxes.get(r.id);
    for (const dep of r.dependencies) {
      const from = l.boxes.get(dep);
      if (!from || !to) {
        continue;
      }
      const x1 = from.x + BOX_W;
      const y1 = from.y + BOX_H / 2;
      const x2 = to.x;
      const y2 = to.y + BOX_H / 2;
      const mid = (x1 + x2) / 2;
      parts.push(
        `<path class="edge" data-from="${escapeHtml(dep)}" data-to="${escapeHtml(r.id)}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  for (const r of view.resources) {
    const at = l.boxes.get(r.id);
    if (!at) {
      continue;
    }
    const classes = ['node'];
    for (const flag of ['conditional', 'collection', 'external'] as const) {
      if (r[flag]) {
        classes.push(flag);
      }
    }
    const markers = (['external', 'collection', 'conditional'] as const).filter((m) => r[m]);
    const sub = (r.kind ?? '?') + (markers.length > 0 ? ` [${markers.join(', ')}]` : '');
    parts.push(
      `<g class="${classes.join(' ')}" data-id="${escapeHtml(r.id)}" data-wave="${r.wave}">`,
      `<title>${escapeHtml(`${r.id}: ${r.apiVersion ?? '?'} ${r.kind ?? '?'}`)}</title>`,
      `<rect x="${at.x}" y="${at.y}" width="${BOX_W}" height="${BOX_H}" rx="6"/>`,
      `<text class="id" x="${at.x + 10}" y="${at.y + 18}">${escapeHtml(r.id)}</text>`,
      `<text class="kind" x="${at.x + 10}" y="${at.y + 35}">${escapeHtml(sub)}</text>`,
      '</g>',
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The whole webview page for the graphs of one file. */
export function graphHtml(views: GraphView[], options: { title: string; cspSource?: string; nonce?: string }): string {
  const csp = [
    "default-src 'none'",
    `style-src ${options.nonce ? `'nonce-${options.nonce}'` : "'unsafe-inline'"}`,
    options.cspSource ? `img-src ${options.cspSource} data:` : 'img-src data:',
  ].join('; ');
  const body =
    views.length === 0
      ? '<p class="empty">No ResourceGraphDefinition in this file.</p>'
      : views
          .map((v) => {
            const heading = escapeHtml(v.name) + (v.kind ? ` <span class="kind">(kind ${escapeHtml(v.kind)})</span>` : '');
            const content = v.resources.length === 0 ? '<p class="empty">No resources.</p>' : graphSvg(v);
            return `<section class="rgd" data-name="${escapeHtml(v.name)}">\n<h2>${heading}</h2>\n${content}\n</section>`;
          })
          .join('\n');
  const nonceAttr = options.nonce ? ` nonce="${escapeHtml(options.nonce)}"` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.title)}</title>
<style${nonceAttr}>
body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground, #222); }
h2 { font-size: 1.1em; font-weight: 600; }
h2 .kind { font-weight: normal; opacity: 0.7; }
svg.graph text { font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; fill: var(--vscode-foreground, #222); }
svg.graph text.wave { opacity: 0.7; }
svg.graph text.kind { opacity: 0.75; font-size: 11px; }
svg.graph .node rect { fill: var(--vscode-editorWidget-background, #f3f3f3); stroke: var(--vscode-focusBorder, #0078d4); stroke-width: 1.5; }
svg.graph .node.conditional rect { stroke-dasharray: 5 3; }
svg.graph .node.external rect { stroke: var(--vscode-charts-purple, #8250df); }
svg.graph .node.collection rect { stroke-width: 3; }
svg.graph .edge { fill: none; stroke: var(--vscode-foreground, #555); stroke-opacity: 0.6; stroke-width: 1.3; }
svg.graph .arrowhead { fill: var(--vscode-foreground, #555); fill-opacity: 0.6; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
