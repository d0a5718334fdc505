import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_INDEX_PREFIX, DOCUMENT_KINDS, MAPPINGS, TIME_FIELD, aliasOf, type DocumentKind } from '../../src/lib/adapters/elasticsearch/mapping.js';
import { PANELS } from '../../src/lib/kibana/panels.js';
import { referencedFields, savedObjects, toNdjson, type SavedObject } from '../../src/lib/kibana/saved-objects.js';
import { tempDir } from '../support/fixtures.js';

const BIN = fileURLToPath(new URL('../../../bin/musicflow', import.meta.url));
const run = promisify(execFile);

/** The document kind a data view reads, from its title (the alias). */
function kindOfDataView(objects: SavedObject[], id: string, prefix: string): DocumentKind | undefined {
  const view = objects.find((o) => o.type === 'index-pattern' && o.id === id);
  return DOCUMENT_KINDS.find((kind) => view?.attributes.title === aliasOf(prefix, kind));
}

/** Every `field` named anywhere in an Elasticsearch aggregation body, and the fields of `term` filters. */
function aggregationFields(agg: unknown): string[] {
  if (typeof agg !== 'object' || agg === null) return [];
  return Object.entries(agg).flatMap(([key, value]) => {
    if (key === 'field' && typeof value === 'string') return [value];
    if (key === 'term' && typeof value === 'object' && value !== null) return Object.keys(value);
    return aggregationFields(value);
  });
}

describe('kibana export', () => {
  it('writes valid NDJSON, one saved object per line with what Kibana 8.x import expects', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'kibana', 'export', '--out', '-']);
    assert.ok(stdout.endsWith('\n'));
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, savedObjects(DEFAULT_INDEX_PREFIX).length);
    for (const line of lines) {
      const o = JSON.parse(line) as SavedObject;
      assert.equal(typeof o.type, 'string', line);
      assert.equal(typeof o.id, 'string', line);
      assert.equal(typeof o.attributes, 'object', line);
      assert.ok(Array.isArray(o.references), line);
      assert.match(o.coreMigrationVersion, /^8\.\d+\.\d+$/, line);
      assert.match(o.typeMigrationVersion, /^\d+\.\d+\.\d+$/, line);
    }
    assert.deepEqual([...new Set(lines.map((l) => JSON.parse(l).type))].sort(), ['dashboard', 'index-pattern', 'lens', 'map']);
  });

  it('keeps ids stable from one export to the next, so a re-import updates rather than duplicates', async () => {
    const out = join(tempDir(), 'kibana.ndjson');
    const { stderr } = await run(process.execPath, [BIN, 'kibana', 'export', '--out', out]);
    assert.match(stderr, /17 saved objects written/);
    assert.equal(readFileSync(out, 'utf8'), toNdjson(savedObjects(DEFAULT_INDEX_PREFIX)));
    const ids = savedObjects(DEFAULT_INDEX_PREFIX).map((o) => o.id);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.ok(ids.includes('musicflow-plays') && ids.includes('musicflow-dashboard') && ids.includes('musicflow-panel-plays-over-time'));
  });

  it('names the data views after the prefix: title = alias, time field from mapping.ts', () => {
    for (const prefix of [DEFAULT_INDEX_PREFIX, 'staging-mf-']) {
      const views = savedObjects(prefix).filter((o) => o.type === 'index-pattern');
      assert.deepEqual(views.map((v) => v.attributes.title), DOCUMENT_KINDS.map((kind) => aliasOf(prefix, kind)));
      assert.deepEqual(views.map((v) => v.attributes.timeFieldName), DOCUMENT_KINDS.map((kind) => TIME_FIELD[kind]));
      for (const o of savedObjects(prefix)) assert.ok(o.id.startsWith(prefix), `${o.id} carries the prefix`);
    }
  });

  it('has every panel read through a data view it exports, and the dashboard place every panel', () => {
    const objects = savedObjects(DEFAULT_INDEX_PREFIX);
    const viewIds = new Set(objects.filter((o) => o.type === 'index-pattern').map((o) => o.id));
    const panels = objects.filter((o) => o.type === 'lens' || o.type === 'map');
    assert.equal(panels.length, PANELS.length);
    for (const panel of panels) {
      const views = panel.references.filter((r) => r.type === 'index-pattern');
      assert.ok(views.length > 0, `${panel.id} references a data view`);
      for (const r of views) assert.ok(viewIds.has(r.id), `${panel.id} references ${r.id}, which the export has`);
    }
    const dashboard = objects.find((o) => o.type === 'dashboard')!;
    const placed = JSON.parse(String(dashboard.attributes.panelsJSON)) as Array<{ panelIndex: string; panelRefName: string; type: string }>;
    assert.equal(placed.length, panels.length);
    for (const p of placed) {
      const ref = dashboard.references.find((r) => r.name === `${p.panelIndex}:${p.panelRefName}`);
      assert.ok(ref, `dashboard reference for panel ${p.panelIndex}`);
      assert.ok(panels.some((o) => o.id === ref.id && o.type === ref.type && o.type === p.type), `${ref.id} is an exported ${p.type}`);
    }
  });

  it('references only fields that the mapping of the data view\'s documents has', () => {
    for (const prefix of [DEFAULT_INDEX_PREFIX, 'other-']) {
      const objects = savedObjects(prefix);
      const uses = referencedFields(objects);
      assert.ok(uses.length > PANELS.length);
      for (const use of uses) {
        const kind = kindOfDataView(objects, use.dataView, prefix);
        assert.ok(kind, `${use.object}: data view ${use.dataView} is one of ours`);
        assert.ok(use.field in MAPPINGS[kind], `${use.object}: ${use.field} (${use.use}) is in the ${kind} mapping`);
      }
    }
  });

  it('finds a field that is not in the mapping (the check above can fail)', () => {
    const objects = savedObjects(DEFAULT_INDEX_PREFIX);
    const lens = objects.find((o) => o.type === 'lens')!;
    const state = lens.attributes.state as { datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, { sourceField?: string }> }> } } };
    const column = Object.values(Object.values(state.datasourceStates.formBased.layers)[0].columns).find((c) => c.sourceField !== '___records___')!;
    column.sourceField = 'no_such_field';
    assert.ok(referencedFields(objects).some((u) => u.object === lens.id && u.field === 'no_such_field'));
  });

  it('builds each panel and the aggregation it stands for from the same fields', () => {
    const objects = savedObjects(DEFAULT_INDEX_PREFIX);
    const uses = referencedFields(objects);
    for (const panel of PANELS) {
      const object = objects.find((o) => o.id === `${DEFAULT_INDEX_PREFIX}panel-${panel.id}`);
      assert.ok(object, `saved object for panel ${panel.id}`);
      const objectFields = new Set(uses.filter((u) => u.object === object.id).map((u) => u.field));
      assert.deepEqual([...objectFields].sort(), [...panel.fields].sort(), `${panel.id}: the saved object reads the panel's fields`);
      assert.deepEqual([...new Set(aggregationFields(panel.aggregation))].sort(), [...panel.fields].sort(), `${panel.id}: the aggregation reads the panel's fields`);
      for (const f of panel.fields) assert.ok(f in MAPPINGS[panel.data], `${panel.id}: ${f} is a ${panel.data} field`);
    }
  });

  it('describes the reference design\'s panels as Elasticsearch aggregations', () => {
    const byId = new Map(PANELS.map((p) => [p.id, p]));
    assert.deepEqual(byId.get('plays-over-time')?.aggregation, {
      date_histogram: { field: 'event_time', fixed_interval: '1h' },
      aggs: { mobile_plays: { filter: { term: { mobile: true } } }, listeners: { cardinality: { field: 'customer_id' } } },
    });
    assert.deepEqual(byId.get('age-by-level')?.aggregation, {
      terms: { field: 'age_band', size: 10, order: { _count: 'desc' } },
      aggs: { level: { terms: { field: 'level', size: 3, order: { _count: 'desc' } } } },
    });
    const covered = new Set(PANELS.flatMap((p) => p.fields));
    for (const f of ['zip', 'customer_id', 'gender', 'level', 'linked_with_apps', 'age_band', 'location', 'title', 'artist', 'device']) {
      assert.ok(covered.has(f), `a panel shows plays by ${f}`);
    }
    assert.deepEqual([...new Set(PANELS.map((p) => p.data))].sort(), [...DOCUMENT_KINDS].sort(), 'every data view has a panel');
  });
});
