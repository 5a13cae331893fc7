// tests/browser/page.cjs: the command-center page in a real browser (Debian's chromium through
// playwright-core), against a running `wangge serve`. Checks what a person at the wall or the
// planner's desk would see, and that the page asks nothing of any other host.
//   usage: node page.cjs URL TOKEN OUT_DIR
// Exit 0 when every check passed, 1 when one failed (each failure printed), 2 when it could
// not run.
'use strict';
const { chromium } = require('playwright-core');
const path = require('node:path');
const fs = require('node:fs');

const [url, token, out] = process.argv.slice(2);
if (!out) {
    console.error('usage: node page.cjs URL TOKEN OUT_DIR');
    process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
let failures = 0, checks = 0, section = '(start)';
const fail = (msg) => {
    failures++;
    console.log(`FAIL [${section}]: ${msg}`);
};
const check = (ok, msg) => {
    checks++;
    if (!ok)
        fail(msg);
    return ok;
};
const api = async (p, opts) => {
    const r = await fetch(url + p, opts);
    return { status: r.status, body: await r.json().catch(() => null) };
};
// the page's own formatting of a KPI (center.js)
const fmt = (v, pct) => (v === null || v === undefined ? '—'
    : pct ? `${(v * 100).toFixed(1)}%` : Math.round(v).toLocaleString('zh-CN'));

// Pixels of a PNG (a screenshot or a tile), decoded by the browser itself: size, how many are
// not transparent, and the variance of their grey level.
async function pixels(page, png) {
    return page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.naturalWidth, c.height = img.naturalHeight;
        const g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let n = 0, s = 0, s2 = 0, opaque = 0, hash = 0;
        for (let i = 0; i < d.length; i += 4) {
            const v = (d[i] + d[i + 1] + d[i + 2]) / 3;
            n++, s += v, s2 += v * v;
            if (d[i + 3] > 0)
                opaque++;
            hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
        }
        return { width: c.width, height: c.height, opaque, variance: s2 / n - (s / n) ** 2, data: Array.from(d.filter((_, i) => i % 16 === 0)) };
    }, png.toString('base64'));
}

function differing(a, b) {
    let n = 0;
    for (let i = 0; i < a.data.length; i++)
        if (Math.abs(a.data[i] - b.data[i]) > 8)
            n++;
    return n / a.data.length;
}

// Waits until no tile request has been pending for quiet ms (at most limit ms).
async function tilesSettled(page, pending, quiet = 600, limit = 60000) {
    const t0 = Date.now();
    let calm = 0;
    while (Date.now() - t0 < limit) {
        await page.waitForTimeout(100);
        calm = pending.size ? 0 : calm + 100;
        if (calm >= quiet)
            return true;
    }
    return false;
}

(async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    // the city's time zone and language, as at its command center
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, timezoneId: 'Asia/Shanghai', locale: 'zh-CN' });
    const outside = [], errors = [], tiles = [], pending = new Set();
    const summaries = [];
    const legends = [];
    page.on('request', (r) => {
        const u = new URL(r.url());
        if (!['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1')
            outside.push(r.url());
        if (u.pathname.startsWith('/tiles/'))
            pending.add(r);
    });
    page.on('requestfinished', (r) => pending.delete(r));
    page.on('requestfailed', (r) => pending.delete(r));
    page.on('response', (r) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/tiles/'))
            tiles.push({ url: r.url(), status: r.status() });
        if (u.pathname === '/api/summary' && u.searchParams.has('from'))
            summaries.push(u.pathname + u.search);
        if (u.pathname.startsWith('/api/legend/'))
            legends.push(u.pathname + u.search);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()))
            errors.push(`console: ${m.text()}`);
    });

    // ---- the command center ----------------------------------------------------------------
    section = 'command center';
    const res = await page.goto(`${url}/#center`);
    check(res && res.status() === 200, `GET / answered ${res && res.status()}`);
    check((res.headers()['content-security-policy'] || '').includes("default-src 'self'"), 'the page has no CSP');
    await page.waitForFunction(() => {
        const v = document.querySelector('.kpi[data-kpi="cases"] .value');
        return v && v.textContent.trim() !== '';
    }, null, { timeout: 20000 }).catch(() => fail('the KPI cards never showed'));
    await page.waitForTimeout(500);
    const last = summaries[summaries.length - 1];
    if (check(last, 'the page never asked for a period summary')) {
        const s = (await api(last)).body;
        for (const [key, pct] of [['cases'], ['closing_rate', 1], ['on_time_rate', 1], ['open'], ['overdue']]) {
            const shown = (await page.textContent(`.kpi[data-kpi="${key}"] .value`)).trim();
            check(shown === fmt(s.now[key], pct), `KPI ${key} shows '${shown}', ${last} gives ${fmt(s.now[key], pct)}`);
        }
        const ch = (await page.textContent('.kpi[data-kpi="cases"] .change')).trim();
        check(s.change && ch.includes(String(Math.abs(s.change.cases))), `the change in cases '${ch}' is not ${s.change && s.change.cases}`);
    }
    const rows = await page.$$eval('#cell-table tbody tr', (t) => t.length);
    const cells = (await api('/api/cells')).body;
    check(cells && rows === cells.rows.length, `the worker/cell table has ${rows} rows, /api/cells ${cells && cells.rows.length}`);

    // tiles: the right size and not blank
    section = 'tiles';
    await tilesSettled(page, pending);
    const good = tiles.filter((t) => t.status === 200);
    check(good.length > 0, `no tile came (${tiles.length} asked: ${tiles.slice(0, 2).map((t) => `${t.status} ${t.url}`).join(', ')})`);
    let inked = 0;
    for (const t of good.slice(0, 12)) {
        const r = await fetch(t.url);
        const png = Buffer.from(await r.arrayBuffer());
        check(r.headers.get('content-type') === 'image/png', `${t.url} is ${r.headers.get('content-type')}`);
        const p = await pixels(page, png);
        const size = t.url.includes('@2x') ? 512 : 256;
        check(p.width === size && p.height === size, `${t.url} is ${p.width}x${p.height}, expected ${size}`);
        if (p.opaque > 0 && p.variance > 0)
            inked++;
    }
    check(good.length === 0 || inked > 0, `all ${Math.min(good.length, 12)} tiles looked at are blank`);
    const mapBox = page.locator('#center-map');
    const before = await pixels(page, await mapBox.screenshot());
    check(before.variance > 0, 'the map shows nothing but one colour');

    // the map's legend: the heatmap's classes as the service gives them
    section = 'legend';
    const legendOf = async (map) => {
        await page.waitForFunction((m) => document.querySelector('#map-legend').dataset.map === m, map, { timeout: 15000 })
            .catch(() => fail(`the legend did not show the ${map} map`));
        return page.$$eval('#map-legend li', (l) => l.map((li) => li.textContent));
    };
    const heatLegend = await legendOf('heatmap');
    const asked = legends.filter((l) => l.startsWith('/api/legend/heatmap')).pop();
    const heatApi = asked ? (await api(asked)).body : { items: [] };
    check(heatLegend.length >= 2 && heatLegend.length === heatApi.items.length,
        `the heatmap's legend shows ${heatLegend.length} classes, the service ${heatApi.items.length}`);
    check(heatLegend.join('|') === heatApi.items.map((i) => i.text).join('|'),
        `the legend reads ${heatLegend.join(', ')}, the service ${heatApi.items.map((i) => i.text).join(', ')}`);

    // switching layers changes the map
    section = 'layers';
    const layers = await page.$$eval('#layers input', (l) => l.map((i) => i.value));
    check(layers.includes('incidents'), `the layer switcher lacks incidents: ${layers}`);
    await page.click('#layers input[value="incidents"]');
    await page.waitForTimeout(300);
    await tilesSettled(page, pending);
    const after = await pixels(page, await mapBox.screenshot());
    const diff = differing(before, after);
    check(diff > 0.005, `switching heatmap -> incidents changed ${(diff * 100).toFixed(2)} % of the map's pixels`);
    const incLegend = await legendOf('incidents');
    check(incLegend.length >= 2 && incLegend.join('|') !== heatLegend.join('|'),
        `the incidents map's legend (${incLegend.join(', ')}) is not its own`);
    await page.click('#layers input[value="heatmap"]');
    await tilesSettled(page, pending);
    await page.screenshot({ path: path.join(out, 'center.png') });

    // a case posted through the API reaches the page without a reload
    section = 'live case';
    const casesBefore = (await page.textContent('.kpi[data-kpi="cases"] .value')).trim();
    const listBefore = await page.$$eval('#case-list li', (l) => l.map((i) => i.dataset.id));
    // a case at a place of the city (CASE_XY: x,y in the workspace's CRS, CASE_CRS), reported
    // at the latest case's time, so it falls in the period shown
    const [x, y] = (process.env.CASE_XY || '').split(',');
    const all = (await api('/api/summary')).body;
    const when = all && all.period && all.period.as_of;
    const id = `BROWSER-${Date.now()}`;
    let posted = { status: 0 };
    const t0 = tiles.length; // tiles asked before the post
    if (check(x && y && when, `no place or time for a case: CASE_XY=${process.env.CASE_XY} as_of=${when}`)) {
        posted = await api(`/api/incidents?src_crs=${encodeURIComponent(process.env.CASE_CRS || '')}`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}` },
            body: `id,x,y,category,reported\n${id},${x},${y},sanitation,${when}\n`,
        });
        check(posted.status === 200, `posting a case answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    }
    if (posted.status === 200) {
        await page.waitForFunction((i) => document.querySelector(`#case-list li[data-id="${i}"]`), id, { timeout: 15000 })
            .catch(() => fail(`the posted case ${id} never reached the case list (it had ${listBefore.length})`));
        const want = fmt(Number(casesBefore.replace(/,/g, '')) + 1);
        await page.waitForFunction((w) => document.querySelector('.kpi[data-kpi="cases"] .value').textContent.trim() === w,
            want, { timeout: 15000 })
            .catch(() => fail(`the case count stayed at ${casesBefore} after a case was posted, expected ${want}`));
        // the `tiles` event that follows a case points the map at the tiles' new version
        const deadline = Date.now() + 15000;
        while (Date.now() < deadline && !tiles.slice(t0).some((t) => /[?&]v=\d+/.test(t.url)))
            await page.waitForTimeout(200);
        check(tiles.slice(t0).some((t) => /[?&]v=\d+/.test(t.url)),
            'no tile was fetched again with a version (v=) after the case\'s tiles event');
        const times = await page.$$eval('#case-list li', (l) => l.map((i) => i.dataset.reported || ''));
        check(times.every((t, i) => i === 0 || t <= times[i - 1]), 'the case list is not newest first');
    }

    // ---- the planner -----------------------------------------------------------------------
    section = 'planner';
    await page.goto(`${url}/#planner`);
    await page.fill('#token', token);
    // the planner's way: save the active plan as a draft, edit the draft, compare
    const draft = '草稿-browser';
    await page.waitForFunction(() => document.querySelectorAll('#plan-select option').length > 0, null, { timeout: 15000 })
        .catch(() => fail('the plan list never filled'));
    await page.fill('#copy-name', draft);
    const copied = page.waitForResponse((r) => r.url().endsWith('/copy'), { timeout: 30000 });
    await page.click('#copy');
    const cr = await copied.catch(() => null);
    check(cr && cr.ok(), `saving as ${draft} answered ${cr && cr.status()}: ${cr && (await cr.text())}`);
    await page.waitForFunction((d) => document.getElementById('plan-select').value === d, draft, { timeout: 15000 })
        .catch(() => fail(`the planner did not switch to the saved plan ${draft}`));
    const unit = await page.waitForFunction(() => {
        const w = window.wangge;
        if (!w || !w.plannerMap)
            return null;
        const src = w.plannerSources();
        if (!src.cells || !src.units)
            return null;
        const cellsF = src.cells.getFeatures(), units = src.units.getFeatures();
        if (!cellsF.length || !units.length)
            return null;
        // a unit well inside the view, and a cell of its community that its own cell touches
        const m = w.plannerMap, size = m.getSize();
        for (const u of units) {
            const c = u.getGeometry().getInteriorPoint ? u.getGeometry().getInteriorPoint().getCoordinates()
                : u.getGeometry().getClosestPoint(u.getGeometry().getExtent().slice(0, 2));
            const px = m.getPixelFromCoordinate(c);
            if (!px || px[0] < 50 || px[1] < 50 || px[0] > size[0] - 50 || px[1] > size[1] - 50)
                continue;
            const code = (f) => String(f.get('code') ?? f.getId());
            const own = cellsF.find((f) => code(f) === String(u.get('cell')));
            if (!own)
                continue;
            const e = own.getGeometry().getExtent();
            const near = cellsF.find((f) => f !== own && f.get('community') === own.get('community') &&
                f.getGeometry().intersectsExtent(e));
            if (near)
                return { id: String(u.get('id') ?? u.getId()), hh: Number(u.get('households')), px, to: code(near) };
        }
        return null;
    }, null, { timeout: 30000, polling: 250 }).then((h) => h.jsonValue()).catch(() => null);
    if (check(unit, 'the planner never showed a plan\'s cells and units')) {
        const box = await page.locator('#planner-map').boundingBox();
        await page.mouse.click(box.x + unit.px[0], box.y + unit.px[1]);
        await page.waitForTimeout(300);
        check((await page.textContent('#sel-units')).trim() === '1', `a click on unit ${unit.id} did not select it alone: ${await page.textContent('#sel-units')}`);
        check((await page.textContent('#sel-hh')).trim() === String(unit.hh), `the selection's households show ${await page.textContent('#sel-hh')}, the unit has ${unit.hh}`);
        // shift-drag a box beside it adds the units in the box; a plain click selects one again
        const [bx, by] = [box.x + unit.px[0], box.y + unit.px[1]];
        await page.keyboard.down('Shift');
        await page.mouse.move(bx - 60, by - 60);
        await page.mouse.down();
        await page.mouse.move(bx, by, { steps: 5 });
        await page.mouse.move(bx + 60, by + 60, { steps: 5 });
        await page.mouse.up();
        await page.keyboard.up('Shift');
        await page.waitForTimeout(300);
        const boxed = Number(await page.textContent('#sel-units'));
        check(boxed > 1, `a shift-drag box around unit ${unit.id} selected ${boxed} units`);
        await page.mouse.click(bx, by);
        await page.waitForTimeout(300);
        check((await page.textContent('#sel-units')).trim() === '1', `a plain click did not select one unit again: ${await page.textContent('#sel-units')}`);
        await page.fill('#target', unit.to);
        const answer = page.waitForResponse((r) => r.url().includes('/moves'), { timeout: 30000 });
        await page.click('#move');
        const r = await answer.catch(() => null);
        if (check(r && r.status() === 200, `the move answered ${r && r.status()}: ${r && (await r.text())}`)) {
            const m = await r.json();
            await page.waitForSelector('#move-result dd[data-key="to-households"]', { timeout: 5000 }).catch(() => null);
            const shown = await page.textContent('#move-result dd[data-key="to-households"]').catch(() => '');
            check(shown.includes(String(m.to_households)), `the move result shows '${shown}', the answer ${m.to_households}`);
            const verdict = await page.textContent('#move-result dd[data-key="verdict"]').catch(() => '');
            check(verdict.trim() === m.verdict, `the verdict shows '${verdict}', the answer '${m.verdict}'`);
            // the target's total on the map follows
            const mapTotal = await page.waitForFunction((a) => {
                const cellsF = window.wangge.plannerSources().cells.getFeatures();
                const f = cellsF.find((x) => String(x.get('code') ?? x.getId()) === a.to);
                return f && Number(f.get('households')) === a.to_households ? a.to_households : null;
            }, m, { timeout: 15000 }).then((h) => h.jsonValue()).catch(() => null);
            check(mapTotal === m.to_households, `the map's cell ${m.to} never showed ${m.to_households} households`);
            const active = (await api('/api/plans')).body.plans.find((p) => p.active);
            check(active && active.name !== draft, `the move went to the active plan, not the draft: ${JSON.stringify(active)}`);
            await page.click('#diff');
            await page.waitForSelector('#diff-result [data-line="units"]', { timeout: 15000 }).catch(() => null);
            const moved = await page.textContent('#diff-result [data-line="units"]').catch(() => '');
            check(/: 1$/.test(moved.trim()), `the diff against the active plan shows '${moved}', expected 1 unit moved`);
        }
    }
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(out, 'planner.png') });

    section = 'hygiene';
    check(outside.length === 0, `requests left 127.0.0.1: ${outside.slice(0, 5).join(' ')}`);
    check(errors.length === 0, `errors in the page: ${errors.slice(0, 5).join(' | ')}`);
    await browser.close();
    console.log(`page.cjs: ${checks} checks, ${failures} failures; screenshots in ${out}`);
    process.exit(failures ? 1 : 0);
})().catch((e) => {
    console.error(`page.cjs: could not run [${section}]: ${e.stack || e}`);
    process.exit(2);
});
