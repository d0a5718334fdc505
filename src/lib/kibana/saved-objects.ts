// Kibana 8.x saved objects for musicflow's documents, shaped as Kibana's own export writes them: one data view
// (`index-pattern`) per document kind, one Lens object (formBased datasource) per panel, a `map` object for the
// locations, and a dashboard that places them all by reference. Ids are stable and follow the index prefix, so
// importing again updates the same objects instead of adding copies.
import { DOCUMENT_KINDS, MAPPINGS, TIME_FIELD, aliasOf, type DocumentKind } from '../adapters/elasticsearch/mapping.js';
import { PANELS, type Bucket, type Metric, type Panel } from './panels.js';

export interface SavedObjectReference {
  type: string;
  id: string;
  name: string;
}

export interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: SavedObjectReference[];
  coreMigrationVersion: string;
  typeMigrationVersion: string;
  managed: boolean;
}

// What Kibana 8.x exports carry (checked against real 8.x exports): objects with these versions import on any 8.8+
// Kibana, which migrates them forward; a version newer than the type knows would be refused.
const CORE_MIGRATION_VERSION = '8.8.0';
const TYPE_MIGRATION_VERSION: Record<string, string> = {
  'index-pattern': '8.0.0',
  lens: '8.9.0',
  map: '8.1.0', // the layer types GEOJSON_VECTOR and EMS_VECTOR_TILE are the 8.1 names
  dashboard: '8.9.0',
};

/** Lens's name for "count every document" instead of a field. */
const RECORDS = '___records___';

function savedObject(type: string, id: string, attributes: Record<string, unknown>, references: SavedObjectReference[] = []): SavedObject {
  return { type, id, attributes, references, coreMigrationVersion: CORE_MIGRATION_VERSION, typeMigrationVersion: TYPE_MIGRATION_VERSION[type], managed: false };
}

export const dataViewId = (prefix: string, kind: DocumentKind): string => aliasOf(prefix, kind);
export const panelObjectId = (prefix: string, panel: Panel): string => `${prefix}panel-${panel.id}`;
export const dashboardId = (prefix: string): string => `${prefix}dashboard`;

const DATA_VIEW_NAMES: Record<DocumentKind, string> = {
  plays: 'musicflow plays',
  interests: 'musicflow interests',
  'ad-decisions': 'musicflow ad decisions',
};

function dataView(prefix: string, kind: DocumentKind): SavedObject {
  return savedObject('index-pattern', dataViewId(prefix, kind), {
    title: aliasOf(prefix, kind), // a data view's title is the index pattern it reads: here the alias
    name: DATA_VIEW_NAMES[kind],
    timeFieldName: TIME_FIELD[kind],
    fields: '[]', // Kibana reads the fields from the mapping
    fieldAttrs: '{}',
    fieldFormatMap: '{}',
    runtimeFieldMap: '{}',
    sourceFilters: '[]',
    typeMeta: '{}',
    allowNoIndex: true, // the dashboard imports before the first play is indexed
  });
}

/** Lens's data type of a field, from its mapping. */
function lensDataType(kind: DocumentKind, field: string): string {
  const type = MAPPINGS[kind][field].type;
  if (type === 'keyword') return 'string';
  if (type === 'long' || type === 'integer') return 'number';
  return type; // date, boolean
}

const columnId = (panel: Panel, role: string): string => `${panel.id}-${role}`;

function bucketColumn(panel: Panel, bucket: Bucket, orderBy: string): Record<string, unknown> {
  if (bucket.by === 'time') {
    return {
      label: bucket.field, dataType: 'date', operationType: 'date_histogram', sourceField: bucket.field, isBucketed: true, scale: 'interval',
      params: { interval: bucket.interval, includeEmptyRows: true, dropPartials: false },
    };
  }
  if (bucket.by === 'terms') {
    return {
      label: `Top ${bucket.size} values of ${bucket.field}`, dataType: lensDataType(panel.data, bucket.field), operationType: 'terms',
      sourceField: bucket.field, isBucketed: true, scale: 'ordinal',
      params: {
        size: bucket.size, orderBy: { type: 'column', columnId: orderBy }, orderDirection: 'desc',
        otherBucket: false, missingBucket: false, parentFormat: { id: 'terms' },
        include: [], exclude: [], includeIsRegex: false, excludeIsRegex: false,
      },
    };
  }
  throw new Error(`kibana: panel ${panel.id}: Lens cannot draw ${bucket.by} buckets (use a map)`);
}

function metricColumn(metric: Metric): Record<string, unknown> {
  const common = { label: metric.label, customLabel: true, dataType: 'number', isBucketed: false, scale: 'ratio', params: { emptyAsNull: true } };
  if (metric.op === 'unique_count') return { ...common, operationType: 'unique_count', sourceField: metric.field };
  const filter = metric.where ? { filter: { language: 'kuery', query: `${metric.where.field} : ${JSON.stringify(metric.where.value)}` } } : {};
  return { ...common, operationType: 'count', sourceField: RECORDS, ...filter };
}

const SERIES_TYPE: Record<Exclude<Panel['kind'], 'share' | 'map'>, string> = {
  time_series: 'line',
  split_time_series: 'bar_stacked',
  top_terms: 'bar_horizontal',
  breakdown: 'bar_stacked',
};

function lensVisualization(panel: Panel, layerId: string): { type: string; state: Record<string, unknown> } {
  const x = columnId(panel, 'x');
  const metrics = panel.metrics.map((m) => columnId(panel, m.id));
  if (panel.kind === 'share') {
    return {
      type: 'lnsPie',
      state: {
        shape: 'donut',
        layers: [{ layerId, layerType: 'data', primaryGroups: [x], metrics, numberDisplay: 'percent', categoryDisplay: 'default', legendDisplay: 'default', nestedLegend: false }],
      },
    };
  }
  const seriesType = SERIES_TYPE[panel.kind as keyof typeof SERIES_TYPE];
  const visible = { x: true, yLeft: true, yRight: true };
  return {
    type: 'lnsXY',
    state: {
      legend: { isVisible: true, position: 'right' },
      valueLabels: 'hide',
      fittingFunction: 'None',
      axisTitlesVisibilitySettings: visible,
      tickLabelsVisibilitySettings: visible,
      gridlinesVisibilitySettings: visible,
      labelsOrientation: { x: 0, yLeft: 0, yRight: 0 },
      preferredSeriesType: seriesType,
      layers: [{
        layerId, layerType: 'data', seriesType, xAccessor: x, accessors: metrics,
        ...(panel.split ? { splitAccessor: columnId(panel, 'split') } : {}),
      }],
    },
  };
}

function lensObject(prefix: string, panel: Panel): SavedObject {
  const layerId = columnId(panel, 'layer');
  const firstMetric = columnId(panel, panel.metrics[0].id);
  const columns: Record<string, unknown> = { [columnId(panel, 'x')]: bucketColumn(panel, panel.x, firstMetric) };
  if (panel.split) columns[columnId(panel, 'split')] = bucketColumn(panel, panel.split, firstMetric);
  for (const m of panel.metrics) columns[columnId(panel, m.id)] = metricColumn(m);
  const visualization = lensVisualization(panel, layerId);
  return savedObject('lens', panelObjectId(prefix, panel), {
    title: panel.title,
    description: '',
    visualizationType: visualization.type,
    state: {
      // The column order is the nesting order: x outermost, then the split, as in PANELS' aggregation.
      datasourceStates: { formBased: { layers: { [layerId]: { columns, columnOrder: Object.keys(columns), incompleteColumns: {}, sampling: 1 } } } },
      visualization: visualization.state,
      query: { query: '', language: 'kuery' },
      filters: [],
      internalReferences: [],
      adHocDataViews: {},
    },
  }, [{ type: 'index-pattern', id: dataViewId(prefix, panel.data), name: `indexpattern-datasource-layer-${layerId}` }]);
}

// The centre of the contiguous US: the reference data's listeners are all there.
const US_CENTER = { lat: 38, lon: -96, zoom: 3 };

function mapObject(prefix: string, panel: Panel): SavedObject {
  if (panel.x.by !== 'geotile') throw new Error(`kibana: map panel ${panel.id} needs geotile buckets`);
  const sourceRef = 'layer_1_source_index_pattern';
  const byCount = { field: { name: 'doc_count', origin: 'source' }, fieldMetaOptions: { isEnabled: true, sigma: 3 } };
  const layers = [
    {
      // The basemap comes from Elastic Maps Service; without it (no internet) the plays layer still draws.
      id: 'basemap', type: 'EMS_VECTOR_TILE', label: null, minZoom: 0, maxZoom: 24, alpha: 1, visible: true, includeInFitToBounds: true,
      sourceDescriptor: { type: 'EMS_TMS', isAutoSelect: true, lightModeDefault: 'road_map_desaturated' },
      style: { type: 'EMS_VECTOR_TILE', color: '' },
    },
    {
      id: `${panel.id}-cells`, type: 'GEOJSON_VECTOR', label: panel.metrics[0].label, minZoom: 0, maxZoom: 24, alpha: 0.75, visible: true, includeInFitToBounds: true, joins: [],
      sourceDescriptor: {
        type: 'ES_GEO_GRID', id: `${panel.id}-source`, geoField: panel.x.field, requestType: 'point', resolution: 'COARSE',
        metrics: [{ type: 'count', label: panel.metrics[0].label }], applyGlobalQuery: true, applyGlobalTime: true, applyForceRefresh: true,
        indexPatternRefName: sourceRef,
      },
      style: {
        type: 'VECTOR',
        isTimeAware: true,
        properties: {
          fillColor: { type: 'DYNAMIC', options: { ...byCount, color: 'Blues', type: 'ORDINAL', useCustomColorRamp: false } },
          iconSize: { type: 'DYNAMIC', options: { ...byCount, minSize: 4, maxSize: 32 } },
          lineColor: { type: 'STATIC', options: { color: '#FFFFFF' } },
          lineWidth: { type: 'STATIC', options: { size: 1 } },
          symbolizeAs: { options: { value: 'circle' } },
        },
      },
    },
  ];
  return savedObject('map', panelObjectId(prefix, panel), {
    title: panel.title,
    description: '',
    layerListJSON: JSON.stringify(layers),
    mapStateJSON: JSON.stringify({ zoom: US_CENTER.zoom, center: { lat: US_CENTER.lat, lon: US_CENTER.lon }, query: { query: '', language: 'kuery' }, filters: [], settings: { autoFitToDataBounds: false } }),
    uiStateJSON: JSON.stringify({ isLayerTOCOpen: true, openTOCDetails: [] }),
  }, [{ type: 'index-pattern', id: dataViewId(prefix, panel.data), name: sourceRef }]);
}

// Kibana's grid is 48 columns wide; series over time and the map take a whole row, the rest half of one.
const GRID_WIDTH = 48;
const PANEL_HEIGHT = 15;
const isWide = (panel: Panel): boolean => panel.kind === 'time_series' || panel.kind === 'split_time_series' || panel.kind === 'map';

function dashboard(prefix: string, panels: readonly Panel[], objects: SavedObject[]): SavedObject {
  let x = 0;
  let y = 0;
  const placed = panels.map((panel, i) => {
    const w = isWide(panel) ? GRID_WIDTH : GRID_WIDTH / 2;
    if (x + w > GRID_WIDTH) { x = 0; y += PANEL_HEIGHT; }
    const gridData = { x, y, w, h: PANEL_HEIGHT, i: panel.id };
    x += w;
    if (x >= GRID_WIDTH) { x = 0; y += PANEL_HEIGHT; }
    const embeddableConfig = panel.kind === 'map'
      ? { enhancements: {}, isLayerTOCOpen: false, hiddenLayers: [], openTOCDetails: [], mapCenter: US_CENTER }
      : { enhancements: {} };
    return { type: objects[i].type, gridData, panelIndex: panel.id, embeddableConfig, panelRefName: `panel_${panel.id}` };
  });
  const references = placed.map((p, i) => ({ type: p.type, id: objects[i].id, name: `${p.panelIndex}:${p.panelRefName}` }));
  return savedObject('dashboard', dashboardId(prefix), {
    title: 'musicflow: listening',
    description: 'Plays, listeners, interests and offers from musicflow\'s Elasticsearch index (built by `musicflow kibana export`)',
    panelsJSON: JSON.stringify(placed),
    optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
    timeRestore: false, // plays carry the log's own times, often far from now: the time picker decides
    version: 1,
    kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
  }, references);
}

/** Every object `musicflow kibana export` writes: data views, then the panels, then the dashboard that places them. */
export function savedObjects(prefix: string): SavedObject[] {
  const panels = PANELS.map((panel) => (panel.kind === 'map' ? mapObject(prefix, panel) : lensObject(prefix, panel)));
  return [...DOCUMENT_KINDS.map((kind) => dataView(prefix, kind)), ...panels, dashboard(prefix, PANELS, panels)];
}

/** One object per line, as Kibana's export writes (and its import reads). */
export function toNdjson(objects: SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

export interface FieldUse {
  object: string; // the saved object's id
  dataView: string; // the id of the data view the field is read through
  field: string;
  use: string; // what it is used for: Lens's operation (terms, date_histogram, ...), 'filter', 'time field', 'geo grid'
}

/** The field named first in a KQL clause such as `mobile : true`. */
function kqlField(query: string): string | null {
  return /^\s*([\w.]+)\s*:/.exec(query)?.[1] ?? null;
}

interface LensColumn { operationType: string; sourceField?: string; filter?: { query: string } }

/** Every document field the objects read, with the data view it is read through: for checking them against mappings. */
export function referencedFields(objects: SavedObject[]): FieldUse[] {
  const uses: FieldUse[] = [];
  const ref = (o: SavedObject, name: string): string => o.references.find((r) => r.name === name)?.id ?? '';
  for (const o of objects) {
    if (o.type === 'index-pattern' && typeof o.attributes.timeFieldName === 'string') {
      uses.push({ object: o.id, dataView: o.id, field: o.attributes.timeFieldName, use: 'time field' });
    } else if (o.type === 'lens') {
      const layers = (o.attributes.state as { datasourceStates: { formBased?: { layers: Record<string, { columns: Record<string, LensColumn> }> } } })
        .datasourceStates.formBased?.layers ?? {};
      for (const [layerId, layer] of Object.entries(layers)) {
        const dataView = ref(o, `indexpattern-datasource-layer-${layerId}`);
        for (const column of Object.values(layer.columns)) {
          if (column.sourceField && column.sourceField !== RECORDS) uses.push({ object: o.id, dataView, field: column.sourceField, use: column.operationType });
          const filtered = column.filter ? kqlField(column.filter.query) : null;
          if (filtered) uses.push({ object: o.id, dataView, field: filtered, use: 'filter' });
        }
      }
    } else if (o.type === 'map') {
      for (const layer of JSON.parse(String(o.attributes.layerListJSON)) as Array<{ sourceDescriptor: { geoField?: string; indexPatternRefName?: string } }>) {
        const { geoField, indexPatternRefName } = layer.sourceDescriptor;
        if (geoField && indexPatternRefName) uses.push({ object: o.id, dataView: ref(o, indexPatternRefName), field: geoField, use: 'geo grid' });
      }
    }
  }
  return uses;
}
