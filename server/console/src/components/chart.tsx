import { BarChart, LineChart, SankeyChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import type { EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, LineChart, SankeyChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/**
 * ECharts in a React component: one chart instance per element, options merged on every
 * change (ECharts animates from the old values to the new), resized with its box. Drawn on
 * canvas, so the strict Content Security Policy holds.
 */
export function Chart(props: {
  readonly option: EChartsCoreOption;
  readonly height: number;
  readonly label: string;
  readonly testId?: string;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = element.current;
    if (el === null) return;
    const instance = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = instance;
    (el as ChartElement).scrutinChart = instance;
    const observer = new ResizeObserver(() => {
      instance.resize();
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      delete (el as ChartElement).scrutinChart;
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ ...props.option, animation: !prefersReducedMotion() }, { notMerge: false, lazyUpdate: false });
  }, [props.option]);

  return (
    <div ref={element} className="chart" role="img" aria-label={props.label} data-testid={props.testId} style={{ height: props.height }} />
  );
}

/**
 * A chart's element holds its instance: what a canvas shows is not in the page's text, so the
 * look-through spec (e2e/console/pages_look.spec.ts) reads the drawn labels and symbols from it.
 */
export type ChartElement = HTMLDivElement & { scrutinChart?: echarts.ECharts };

/** Charts do not animate for people who asked for less motion (and in the e2e screenshots). */
function prefersReducedMotion(): boolean {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Colours and text of the console's dark theme, for chart options. */
export const THEME = {
  text: '#e6ebf5',
  muted: '#93a1bd',
  grid: '#24314d',
  surface: '#111a2e',
  accent: '#5cc8ff',
  good: '#38d39f',
  bad: '#ff6b6b',
  warn: '#ffc857',
} as const;
