// Files the page needs, all from this machine: the chart library, the TopoJSON reader and the US state
// shapes come from npm packages in node_modules; the page itself is compiled beside this module.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { geoAlbersUsa } from 'd3-geo';
import zipcodes from 'zipcodes';
import { PAGE_CSS } from './page/style.js';
import { PAGE_HTML } from './page/html.js';

const require = createRequire(import.meta.url);

export interface Asset { type: string; body: Buffer }

const JS = 'text/javascript; charset=utf-8';

function fromPackage(specifier: string, type: string): () => Asset {
  return () => ({ type, body: readFileSync(require.resolve(specifier)) });
}

function pageModule(name: string): () => Asset {
  return () => ({ type: JS, body: readFileSync(fileURLToPath(new URL(`./page/${name}`, import.meta.url))) });
}

/**
 * us-atlas's state shapes, projected to a 975x610 plane by d3's Albers USA (Alaska and Hawaii inset),
 * with each state's postal code added so the page and the API speak of states the same way.
 */
function stateShapes(): Asset {
  const topology = JSON.parse(readFileSync(require.resolve('us-atlas/states-albers-10m.json'), 'utf8')) as {
    objects: { states: { geometries: Array<{ properties: { name: string; code?: string } }> } };
  };
  const codes = zipcodes.states.full;
  for (const g of topology.objects.states.geometries) g.properties.code = codes[g.properties.name.toUpperCase()] ?? g.properties.name;
  return { type: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(topology)) };
}

/** Everything the server serves besides the API, by path; each is read once, on first request. */
const SOURCES: Record<string, () => Asset> = {
  '/': () => ({ type: 'text/html; charset=utf-8', body: Buffer.from(PAGE_HTML) }),
  '/assets/style.css': () => ({ type: 'text/css; charset=utf-8', body: Buffer.from(PAGE_CSS) }),
  '/assets/app.js': pageModule('app.js'),
  '/assets/charts.js': pageModule('charts.js'),
  '/assets/dom.js': pageModule('dom.js'),
  '/assets/us-states.json': stateShapes,
  '/vendor/echarts.min.js': fromPackage('echarts/dist/echarts.min.js', JS),
  '/vendor/topojson-client.min.js': fromPackage('topojson-client/dist/topojson-client.min.js', JS),
};

const loaded = new Map<string, Asset>();

export function assetAt(path: string): Asset | null {
  const source = SOURCES[path];
  if (!source) return null;
  let asset = loaded.get(path);
  if (!asset) loaded.set(path, (asset = source()));
  return asset;
}

/** The same projection us-atlas used for its albers files, so zips land on the drawn states. */
const albersUsa = geoAlbersUsa().scale(1300).translate([487.5, 305]);

/** A point on the map plane, or null where Albers USA draws nothing (outside the 50 states). */
export function mapPoint(lon: number, lat: number): [number, number] | null {
  const p = albersUsa([lon, lat]);
  return p ? [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10] : null;
}
