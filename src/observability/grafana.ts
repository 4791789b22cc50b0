/**
 * A small typed builder for Grafana dashboards (JSON model, schemaVersion 39): a dashboard of rows, each row
 * of timeseries and stat panels laid out left to right on Grafana's 24-column grid, every panel querying the
 * Prometheus data source chosen by the dashboard's `datasource` variable. Only what the mesh dashboards use,
 * so that every field written is one Grafana reads.
 */

/** The units Grafana knows that these dashboards use. */
export type GrafanaUnit = 'short' | 'percentunit' | 's' | 'bytes' | 'reqps' | 'cores' | 'none';

export interface PanelTarget {
  /** PromQL. Grafana variables (`$agent`, `$__rate_interval`) are substituted by Grafana. */
  readonly expr: string;
  /** Legend, e.g. `{{agent}}`. */
  readonly legend?: string;
  /** Table-like instant query (stat panels). */
  readonly instant?: boolean;
}

interface PanelBase {
  readonly title: string;
  readonly description?: string;
  readonly targets: readonly PanelTarget[];
  readonly unit?: GrafanaUnit;
  /** Width in grid columns (of 24). */
  readonly width?: number;
  /** Height in grid rows. */
  readonly height?: number;
}

export interface TimeseriesPanel extends PanelBase {
  readonly type: 'timeseries';
  /** Stack the series (e.g. replicas per agent). */
  readonly stacked?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface StatPanel extends PanelBase {
  readonly type: 'stat';
  /** Color steps: `[{ value: 0, color: 'red' }, { value: 1, color: 'green' }]`; the first step has no lower bound. */
  readonly thresholds?: ReadonlyArray<{ readonly value: number; readonly color: string }>;
}

export type Panel = TimeseriesPanel | StatPanel;

export interface Row {
  readonly title: string;
  readonly panels: readonly Panel[];
}

export interface CustomVariable {
  readonly name: string;
  readonly label: string;
  readonly values: readonly string[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly rows: readonly Row[];
  /** Multi-value custom variables with an "All" option (used in queries as `=~"$name"`). */
  readonly variables?: readonly CustomVariable[];
  /** @default "30s" */
  readonly refresh?: string;
  /** @default "now-6h" */
  readonly from?: string;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const GRID_COLUMNS = 24;

/** The Grafana JSON model of a dashboard. */
export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  if (!/^[a-zA-Z0-9_-]{1,40}$/.test(spec.uid)) throw new Error(`Grafana dashboard uid "${spec.uid}" must be 1-40 letters, digits, "-" or "_"`);
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ collapsed: false, gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y }, id: id++, panels: [], title: row.title, type: 'row' });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 12;
      const h = panel.height ?? (panel.type === 'stat' ? 4 : 8);
      if (!Number.isInteger(w) || w < 1 || w > GRID_COLUMNS) throw new Error(`panel "${panel.title}": width ${w} is not 1-${GRID_COLUMNS}`);
      if (x + w > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(renderPanel(panel, id++, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    annotations: { list: [] },
    description: spec.description ?? '',
    editable: false,
    graphTooltip: 1,
    links: [],
    panels,
    refresh: spec.refresh ?? '30s',
    schemaVersion: 39,
    tags: [...spec.tags],
    templating: { list: [datasourceVariable(), ...(spec.variables ?? []).map(customVariable)] },
    time: { from: spec.from ?? 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: spec.title,
    uid: spec.uid,
    version: 1,
  };
}

function renderPanel(panel: Panel, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  const targets = panel.targets.map((t, i) => ({
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: t.expr,
    instant: t.instant ?? false,
    legendFormat: t.legend ?? '__auto',
    range: !(t.instant ?? false),
    refId: String.fromCharCode(65 + i),
  }));
  const common = { datasource: DATASOURCE, description: panel.description ?? '', gridPos, id, targets, title: panel.title };
  if (panel.type === 'stat') {
    const steps = (panel.thresholds ?? [{ value: 0, color: 'green' }]).map((s, i) => ({ color: s.color, value: i === 0 ? null : s.value }));
    return {
      ...common,
      fieldConfig: { defaults: { color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps }, unit: panel.unit ?? 'short' }, overrides: [] },
      options: {
        colorMode: 'background',
        graphMode: 'none',
        justifyMode: 'auto',
        orientation: 'auto',
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        textMode: 'auto',
      },
      type: 'stat',
    };
  }
  const custom: Record<string, unknown> = {
    drawStyle: 'line',
    fillOpacity: panel.stacked === true ? 30 : 10,
    lineWidth: 1,
    showPoints: 'never',
    spanNulls: false,
    stacking: { group: 'A', mode: panel.stacked === true ? 'normal' : 'none' },
  };
  const defaults: Record<string, unknown> = { color: { mode: 'palette-classic' }, custom, unit: panel.unit ?? 'short' };
  if (panel.min !== undefined) defaults.min = panel.min;
  if (panel.max !== undefined) defaults.max = panel.max;
  return {
    ...common,
    fieldConfig: { defaults, overrides: [] },
    options: {
      legend: { calcs: ['lastNotNull', 'max'], displayMode: 'table', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    type: 'timeseries',
  };
}

function datasourceVariable(): Record<string, unknown> {
  // No `current`: Grafana selects the default Prometheus data source (an empty `current` is not a valid option).
  return {
    hide: 0,
    includeAll: false,
    label: 'Data source',
    multi: false,
    name: 'datasource',
    options: [],
    query: 'prometheus',
    refresh: 1,
    regex: '',
    type: 'datasource',
  };
}

function customVariable(v: CustomVariable): Record<string, unknown> {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(v.name) || v.name === 'datasource') throw new Error(`Grafana variable name "${v.name}" is not usable`);
  const values = [...v.values];
  return {
    current: { selected: true, text: ['All'], value: ['$__all'] },
    hide: 0,
    includeAll: true,
    label: v.label,
    multi: true,
    name: v.name,
    options: [
      { selected: true, text: 'All', value: '$__all' },
      ...values.map((value) => ({ selected: false, text: value, value })),
    ],
    // Grafana's custom-variable syntax: comma-separated values (ours are DNS labels, which hold no comma).
    query: values.join(','),
    skipUrlSync: false,
    type: 'custom',
  };
}
