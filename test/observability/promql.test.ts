import * as fc from 'fast-check';
import { renderDashboard } from '../../src/observability/grafana';
import {
  alternation, deploymentPodRegex, humanDuration, promDuration, quote, statefulSetPodRegex, workloadPodRegex,
} from '../../src/observability/promql';

/** Prometheus anchors label regexes: `=~"re"` means `^(?:re)$`. */
const anchored = (re: string) => new RegExp(`^(?:${re})$`);
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod name as the API server generates it for a Deployment's ReplicaSet. */
function podName(deployment: string, hash: string, suffix: string): string {
  const generateName = `${deployment}-${hash}-`.slice(0, 58);
  return `${generateName}${suffix}`;
}

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,48}[a-z0-9])?$/);
const safe = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...SAFE.split('')), minLength: min, maxLength: max });

describe('promql helpers', () => {
  test('quote escapes backslashes and quotes', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  test('alternation: sorted, unique, regex-escaped; never empty', () => {
    expect(alternation(['weather', 'hotels', 'weather'])).toBe('(?:hotels|weather)');
    expect(alternation(['a.b'])).toBe('a\\.b');
    expect(() => alternation([])).toThrow(/empty/);
  });

  test('durations in the largest unit that divides them', () => {
    expect([0, 30, 90, 120, 3600, 5400, 86400, 345600, 604800].map(promDuration)).toEqual(['0s', '30s', '90s', '2m', '1h', '90m', '1d', '4d', '1w']);
    expect([1, 120, 3600, 7200, 345600].map(humanDuration)).toEqual(['1 second', '2 minutes', '1 hour', '2 hours', '4 days']);
  });

  test('the pods of a Deployment match its pod regex and yield its name, also when Kubernetes cuts long names', () => {
    fc.assert(fc.property(dnsLabel, safe(1, 10), safe(5, 5), (deployment, hash, suffix) => {
      const pod = podName(deployment, hash, suffix);
      const re = deploymentPodRegex([deployment, 'other']);
      const m = anchored(re).exec(pod);
      return m !== null && (m[1] ?? m[2]) === deployment;
    }), { numRuns: 500 });
  });

  test('pods of other workloads do not match', () => {
    const re = anchored(deploymentPodRegex(['weather', 'hotels']));
    expect(re.test('weather-6d4f8b7c9d-x2x5z')).toBe(true);
    for (const pod of ['weather-b2-6d4f8b7c9d-x2x5z', 'weather-eu-6d4f8b7c9d-x2x5z', 'redis-6d4f8b7c9d-x2x5z', 'weather-0', 'weather-6d4f8b7c9d', 'xweather-6d4f8b7c9d-x2x5z']) {
      expect([pod, re.test(pod)]).toEqual([pod, false]);
    }
    const sts = anchored(statefulSetPodRegex('mcp-mesh-registry'));
    expect(['mcp-mesh-registry-0', 'mcp-mesh-registry-12'].every((p) => sts.test(p))).toBe(true);
    expect(['mcp-mesh-registry-01', 'mcp-mesh-registry-x', 'mcp-mesh-registry-headless-0'].some((p) => sts.test(p))).toBe(false);
  });

  test('one regex for every workload, with a replacement that yields the workload name whichever branch matched', () => {
    const long = 'a'.repeat(50);
    const { regex, replacement } = workloadPodRegex([deploymentPodRegex(['weather', long]), statefulSetPodRegex('registry')]);
    expect(replacement).toBe('$1$2$3');
    const name = (pod: string) => {
      const m = anchored(regex).exec(pod);
      return m === null ? undefined : replacement.replace(/\$(\d)/g, (_, i) => m[Number(i)] ?? '');
    };
    expect(name('weather-6d4f8b7c9d-x2x5z')).toBe('weather');
    expect(name(podName(long, '6d4f8b7c9d', 'x2x5z'))).toBe(long);
    expect(name('registry-0')).toBe('registry');
    expect(name('redis-0')).toBeUndefined();
  });
});

describe('grafana builder', () => {
  test('rows and panels are laid out left to right, wrapping at 24 columns', () => {
    const d = renderDashboard({
      uid: 'x', title: 'T', tags: [],
      rows: [{
        title: 'R',
        panels: [
          { type: 'stat', title: 'a', width: 12, targets: [{ expr: 'up' }] },
          { type: 'timeseries', title: 'b', width: 12, targets: [{ expr: 'up' }] },
          { type: 'timeseries', title: 'c', targets: [{ expr: 'up', legend: '{{pod}}' }] },
        ],
      }],
    }) as any;
    expect(d.panels.map((p: any) => [p.type, p.gridPos])).toEqual([
      ['row', { h: 1, w: 24, x: 0, y: 0 }],
      ['stat', { h: 4, w: 12, x: 0, y: 1 }],
      ['timeseries', { h: 8, w: 12, x: 12, y: 1 }],
      ['timeseries', { h: 8, w: 12, x: 0, y: 9 }],
    ]);
    expect(d.panels[3].targets).toEqual([{
      datasource: { type: 'prometheus', uid: '${datasource}' }, editorMode: 'code', expr: 'up', instant: false, legendFormat: '{{pod}}', range: true, refId: 'A',
    }]);
  });

  test('refuses uids Grafana would not accept and widths off the grid', () => {
    expect(() => renderDashboard({ uid: 'x'.repeat(41), title: 'T', tags: [], rows: [] })).toThrow(/uid/);
    expect(() => renderDashboard({ uid: 'x', title: 'T', tags: [], rows: [{ title: 'r', panels: [{ type: 'stat', title: 's', width: 25, targets: [] }] }] }))
      .toThrow(/width 25/);
  });
});
