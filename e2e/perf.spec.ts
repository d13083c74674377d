import { expect, test, type Browser, type Page } from '@playwright/test';

// What the widget costs the page it is a guest on, measured in Chromium and
// printed (not asserted: timings on a shared 2-core machine vary; the
// figures go in BENCHMARKS.md). Asserted is what makes the figures
// meaningful: before the visitor shows intent, only the loader ran (no app,
// no wasm), and a click gives a usable panel.
//
// - Main-thread cost before interaction: the same host page (with a small
//   script of its own) with and without the loader's script tag, each
//   loaded RUNS times in a fresh browser context, alternating. The figure
//   the target (≤ 5 ms of scripting added by the loader) is checked against
//   is CPU time from a Chromium trace: the thread time of the script events
//   on the page's main thread, and of those whose script is the loader.
//   Wall-clock counters (CDP Performance.getMetrics ScriptDuration,
//   TaskDuration) and long tasks (≥ 50 ms, PerformanceObserver) are printed
//   too, but on this shared 2-core machine they mostly measure how long the
//   main thread waited for a core: in a busy `make test` run they swung
//   from 5 to 69 ms for the same loader. Everything is read as soon as the
//   page is idle, before the test's own checks run Playwright's injected
//   script in the page. Then the visitor's first pointer move, after which
//   the loader reads its saved state when idle: that cost is printed too.
// - Click to usable panel: from the launcher's click (no hover first: the
//   worst case, e.g. a keyboard or touch user) to the composer holding the
//   focus, in a fresh context (nothing cached), then again on a second open.

const RUNS = 9;
const PARAGRAPH =
  '<p>Lumen Notes keeps your notes in sync on every device. Write, clip and share; ' +
  'search everything, offline too. <a href="#">Learn more</a></p>';

// The host page has a small script of its own, as nearly every site does,
// so the difference is the loader's work and not the cost of a page's
// first script.
const SITE_JS = `document.documentElement.classList.add('js');
document.querySelectorAll('a').forEach((a) => a.setAttribute('rel', 'noopener'));`;

function hostPage(withWidget: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>
    <style>body{font:16px/1.5 Georgia,serif;max-width:720px;margin:auto}</style>
    <script src="/__test/site.js" async></script></head>
    <body><h1>Pricing</h1>${PARAGRAPH.repeat(150)}
    ${withWidget ? '<script src="/widget.js" async></script>' : ''}</body></html>`;
}

async function serve(page: Page, withWidget: boolean) {
  await page.route('**/__test/host.html', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: hostPage(withWidget) }),
  );
  await page.route('**/__test/site.js', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: SITE_JS }),
  );
}

type Cost = {
  script: number;
  tasks: number;
  /** Main-thread CPU time (thread time, from Chromium's trace) of script. */
  scriptCpu: number;
  /** ... of which in the loader's own code (compile, run, its callbacks). */
  loaderCpu: number;
  /** ... of which the host page's own two-line script: a yardstick for the machine. */
  siteCpu: number;
  /** Main-thread CPU time of every task (script, parsing, style, layout, paint). */
  workCpu: number;
  longTasks: number;
  longTaskMs: number;
  requests: string[];
  /** Scripting from the visitor's first pointer move until idle again. */
  firstMove: number;
};

type TraceEvent = {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { url?: string; frame?: string } };
};

/** Events that are the renderer running JavaScript (parsing and compiling
 * it, running a script, calling back into it: timers, events, idle and
 * animation-frame callbacks, microtasks). DevTools' "Scripting" is made of
 * these. */
const SCRIPT_EVENTS = new Set([
  'EvaluateScript',
  'v8.compile',
  'v8.compileModule',
  'v8.evaluateModule',
  'v8.produceCache',
  'FunctionCall',
  'TimerFire',
  'FireIdleCallback',
  'FireAnimationFrame',
  'EventDispatch',
  'RunMicrotasks',
  'V8.Execute',
]);

/** A main-thread task as the scheduler runs it (trace category `toplevel`). */
const TASK_EVENTS = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

/**
 * Scripting on the page's main thread in CPU time, not wall time: a trace
 * event's `tdur` is the time the thread actually ran, so a machine busy
 * with other work (the suite's servers on the same two cores) does not
 * inflate it the way it inflates `ScriptDuration`, which is wall time. Only
 * outermost events count (a compile inside a script's evaluation is not
 * counted twice). `loader` is the part whose outermost event names the
 * loader's script.
 */
function scriptCpu(events: TraceEvent[], hostUrl: string): { all: number; loader: number; site: number; work: number } {
  // The renderer that loaded the host page, and its main thread.
  const pid = events.find((e) => e.args?.data?.url?.endsWith(hostUrl))?.pid;
  const tid = events.find((e) => e.pid === pid && e.ph === 'M' && e.args?.name === 'CrRendererMain')?.tid;
  if (pid === undefined || tid === undefined) throw new Error('no renderer main thread in the trace');
  const onMain = (names: Set<string>) =>
    outermost(events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && names.has(e.name)));
  const cpu = (e: TraceEvent) => (e.tdur ?? e.dur ?? 0) / 1000;
  const sum = (xs: TraceEvent[]) => xs.reduce((total, e) => total + cpu(e), 0);
  const script = onMain(SCRIPT_EVENTS);
  const from = (url: string) => sum(script.filter((e) => e.args?.data?.url?.endsWith(url)));
  // Every task the main thread ran (parsing, style, layout, paint too).
  const work = sum(onMain(TASK_EVENTS));
  return { all: sum(script), loader: from('/widget.js'), site: from('/__test/site.js'), work };
}

/** The events not nested in another of them (a compile inside a script's
 * evaluation is not counted twice), in time order. */
function outermost(events: TraceEvent[]): TraceEvent[] {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const out: TraceEvent[] = [];
  let openUntil = -1;
  for (const e of sorted) {
    if (e.ts < openUntil) continue;
    openUntil = e.ts + (e.dur ?? 0);
    out.push(e);
  }
  return out;
}

async function load(browser: Browser, withWidget: boolean): Promise<Cost> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await serve(page, withWidget);
  await page.addInitScript(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel', 'v8', 'v8.execute', '__metadata'] });
  await page.goto('/__test/host.html');
  await page.waitForLoadState('networkidle');
  // Read the counters before anything of the test's own runs in the page:
  // Playwright's checks run its injected script on the page's main thread,
  // which the counters would charge to whichever side checks more.
  const { metrics } = await cdp.send('Performance.getMetrics');
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
  if (withWidget) await expect(page.getByRole('button', { name: 'Open support chat' })).toBeVisible();
  const cpu = scriptCpu(trace.traceEvents, '/__test/host.html');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
  // The visitor arrives: the loader's deferred look at the saved state (an
  // empty storage here) runs once the page is idle after the first move.
  const before = m.ScriptDuration;
  await page.mouse.move(200, 200);
  await page.waitForTimeout(400);
  const after = (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'ScriptDuration')!.value;
  await context.close();
  return {
    script: m.ScriptDuration * 1000,
    tasks: m.TaskDuration * 1000,
    scriptCpu: cpu.all,
    loaderCpu: cpu.loader,
    workCpu: cpu.work,
    siteCpu: cpu.site,
    longTasks: long.length,
    longTaskMs: long.reduce((a, b) => a + b, 0),
    requests,
    firstMove: (after - before) * 1000,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(1)} ms`;

test('main-thread cost of the loader before interaction (printed)', async ({ browser }) => {
  test.setTimeout(120_000);
  const without: Cost[] = [];
  const withLoader: Cost[] = [];
  // Alternating, so a busy moment of the machine hits both sides alike.
  for (let i = 0; i < RUNS; i++) {
    without.push(await load(browser, false));
    withLoader.push(await load(browser, true));
  }
  for (const run of withLoader) {
    // Only the loader before intent: no app script, no wasm, no strings.
    expect(run.requests.filter((p) => p.startsWith('/widget/'))).toEqual([]);
    expect(run.requests).toContain('/widget.js');
  }
  const row = (name: string, runs: Cost[]) =>
    `${name.padEnd(15)} scripting ${ms(median(runs.map((r) => r.script))).padStart(9)}` +
    `   all tasks ${ms(median(runs.map((r) => r.tasks))).padStart(9)}` +
    `   long tasks ${Math.max(...runs.map((r) => r.longTasks))} (${ms(Math.max(...runs.map((r) => r.longTaskMs)))} at most)`;
  const added = median(withLoader.map((r) => r.script)) - median(without.map((r) => r.script));
  const addedTasks = median(withLoader.map((r) => r.tasks)) - median(without.map((r) => r.tasks));
  const cpuWithout = median(without.map((r) => r.scriptCpu));
  const cpuWith = median(withLoader.map((r) => r.scriptCpu));
  const loaderCpu = withLoader.map((r) => r.loaderCpu);
  // The trace must have seen the loader run, or the figure means nothing.
  for (const run of withLoader) expect(run.loaderCpu, 'the loader ran (trace)').toBeGreaterThan(0);
  for (const run of without) expect(run.loaderCpu).toBe(0);
  console.log(
    [
      `host page main thread before interaction, median of ${RUNS} fresh loads:`,
      `scripting CPU time (Chromium trace, thread time: what the page's main thread spent running script,`,
      `  not inflated by other processes on the machine): ${ms(cpuWithout)} without, ${ms(cpuWith)} with the loader,`,
      `  added ${ms(cpuWith - cpuWithout)} (target ≤ 5 ms); the loader's own code (compile, run, callbacks):`,
      `  median ${ms(median(loaderCpu))}, most ${ms(Math.max(...loaderCpu))}; per run ${loaderCpu.map((x) => x.toFixed(2)).join(', ')} ms`,
      `  for scale, the host page's own two-line script: ${ms(median([...without, ...withLoader].map((r) => r.siteCpu)))} ` +
        `(this VM runs script several times slower than a laptop)`,
      `all main-thread work, CPU time (script, parsing, style, layout, paint): ` +
        `${ms(median(without.map((r) => r.workCpu)))} without, ${ms(median(withLoader.map((r) => r.workCpu)))} with the loader`,
      `wall time (CDP Performance.getMetrics, includes waiting for a busy CPU):`,
      row('without widget', without),
      row('with loader', withLoader),
      `added by the loader: scripting ${ms(added)}, all main-thread tasks ${ms(addedTasks)}`,
      `loader scripting per run: ${withLoader.map((r) => r.script.toFixed(1)).join(', ')} ms`,
      `after the visitor's first pointer move (the loader reads its saved state): scripting ` +
        `${ms(median(without.map((r) => r.firstMove)))} without, ${ms(median(withLoader.map((r) => r.firstMove)))} with the loader`,
    ].join('\n'),
  );
});

/** Clicks the launcher (no hover first) and resolves with the ms until the
 * composer has the focus; null if it never does (within 20 s). */
function clickToUsable(page: Page): Promise<number | null> {
  return page.evaluate(
    () =>
      new Promise<number | null>((resolve) => {
        const root = document.querySelector('[data-frontdesk]')!.shadowRoot!;
        const start = performance.now();
        (root.querySelector('.fd-launcher') as HTMLButtonElement).click();
        const check = () => {
          const active = root.activeElement;
          if (active instanceof HTMLTextAreaElement && !active.disabled) resolve(performance.now() - start);
          else if (performance.now() - start > 20_000) resolve(null);
          else requestAnimationFrame(check);
        };
        check();
      }),
  );
}

test('time from click to a usable panel (printed)', async ({ browser }) => {
  const cold: number[] = [];
  const again: number[] = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await serve(page, true);
    await page.goto('/__test/host.html');
    await page.waitForLoadState('networkidle');
    const first = await clickToUsable(page);
    expect(first, 'the panel became usable').not.toBeNull();
    cold.push(first!);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
    const second = await clickToUsable(page);
    expect(second).not.toBeNull();
    again.push(second!);
    await context.close();
  }
  console.log(
    `click to usable panel (composer focused), nothing cached, no hover first: ` +
      `${cold.map((x) => ms(x)).join(', ')} (median ${ms(median(cold))}); ` +
      `opening again: ${again.map((x) => ms(x)).join(', ')}`,
  );
});
