// center.js: the command center (指挥中心): KPI cards, the tile maps, the latest cases, the
// cells' status and the worker/cell table, all refreshed from the live events.
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import { fromLonLat } from 'ol/proj.js';
import { Circle, Fill, Stroke, Style } from 'ol/style.js';
import { getJSON, query } from './api.js';
import { onEvent } from './events.js';
import { MAPS, state, periodQuery, periodLabel, setAnchor, loadHealth, changed } from './state.js';
import { makeMap, fitExtent, tileLayer, refreshTiles } from './map.js';

const $ = (id) => document.getElementById(id);
const MAX_CASES = 200;
let map, base, overlay, caseSource;
let current = 'heatmap';
let cases = []; // newest first
let fitted = false;

// ---- KPI cards -------------------------------------------------------------------------------

const KPIS = [
    // key, label, english, format, change key, a rise is good
    ['cases', '案件数', 'Cases', 'int', 'cases', null],
    ['closing_rate', '结案率', 'Closing rate', 'pct', 'closing_rate', true],
    ['on_time_rate', '按期结案率', 'On-time rate', 'pct', 'on_time_rate', true],
    ['open', '未结', 'Open', 'int', 'open', false],
    ['overdue', '超期', 'Overdue', 'int', 'overdue', false],
];

const fmt = (v, kind) =>
    v === null || v === undefined || Number.isNaN(v) ? '—'
        : kind === 'pct' ? `${(v * 100).toFixed(1)}%`
            : Math.round(v).toLocaleString('zh-CN');

function change(v, kind) {
    if (v === null || v === undefined)
        return '';
    const sign = v > 0 ? '▲ +' : v < 0 ? '▼ ' : '± ';
    return kind === 'pct' ? `${sign}${(v * 100).toFixed(1)} 个百分点 pts` : `${sign}${Math.round(v)}`;
}

function renderKpis(s) {
    const box = $('kpis');
    box.replaceChildren(...KPIS.map(([key, zh, en, kind, ck, riseGood]) => {
        const card = document.createElement('div');
        card.className = 'kpi';
        card.dataset.kpi = key;
        const v = s.now[key];
        if (key === 'overdue' && v > 0)
            card.classList.add('alert');
        const c = s.change ? s.change[ck] : null;
        const dir = c > 0 ? 'up' : c < 0 ? 'down' : '';
        const good = riseGood === null || !dir ? '' : (c > 0) === riseGood ? 'good' : 'bad';
        card.innerHTML = '<div class="label"></div><div class="value"></div><div class="change"></div>';
        card.querySelector('.label').innerHTML = `${zh} <span class="en">${en}</span>`;
        card.querySelector('.value').textContent = fmt(v, kind);
        const ch = card.querySelector('.change');
        ch.textContent = s.change ? `${change(c, kind)}  较上期 vs previous` : '无上期 No previous period';
        ch.className = `change ${dir} ${good}`;
        return card;
    }));
}

function fillCategories(s) {
    const sel = $('category');
    if (sel.options.length > 1)
        return;
    for (const name of Object.keys(s.now.by_category || {}).sort()) {
        const o = document.createElement('option');
        o.value = o.textContent = name;
        sel.append(o);
    }
}

async function loadSummary() {
    const s = await getJSON('/api/summary' + query(periodQuery()));
    renderKpis(s);
    $('case-count').textContent = `${fmt(s.now.cases, 'int')} 件`;
    return s;
}

// ---- Cells: status squares and the worker/cell table -------------------------------------------

const COLS = [
    ['id', '网格', 'Cell'], ['community', '社区', 'Community'], ['workers', '网格员', 'Workers'],
    ['households', '户数', 'Households'], ['incidents', '案件', 'Cases'], ['open', '未结', 'Open'],
    ['overdue', '超期', 'Overdue'], ['closing_rate', '结案率', 'Closing'], ['index', '工作量指数', 'Workload'],
    ['flag', '标记', 'Flag'],
];
const FLAGS = { over: '超负荷 Over', under: '偏低 Under' };

function cellClass(r) {
    return r.overdue > 0 ? 'late' : r.flag === 'over' ? 'over' : r.open > 0 ? 'open' : 'ok';
}

function renderCells(c) {
    const rows = c.rows || [];
    $('cell-grid').replaceChildren(...rows.map((r) => {
        const sq = document.createElement('span');
        sq.className = `st-${cellClass(r)}`;
        sq.title = `${r.id} ${r.community}: 案件 ${r.incidents} · 未结 ${r.open} · 超期 ${r.overdue}`;
        sq.addEventListener('click', () => showCell(r.id));
        return sq;
    }));
    const table = $('cell-table');
    const head = document.createElement('tr');
    for (const [, zh, en] of COLS) {
        const th = document.createElement('th');
        th.innerHTML = `${zh} <span class="en">${en}</span>`;
        head.append(th);
    }
    const sorted = [...rows].sort((a, b) => (b.index ?? -1) - (a.index ?? -1));
    const body = sorted.map((r) => {
        const tr = document.createElement('tr');
        tr.addEventListener('click', () => showCell(r.id));
        for (const [key] of COLS) {
            const td = document.createElement('td');
            const v = r[key];
            td.textContent = key === 'closing_rate' ? fmt(v, 'pct')
                : key === 'index' ? (v === null ? '—' : v.toFixed(2))
                    : key === 'flag' ? FLAGS[v] || ''
                        : typeof v === 'number' ? fmt(v, 'int') : v ?? '';
            if (key === 'flag' && v)
                td.className = `flag-${v}`;
            if (key === 'overdue' && v > 0)
                td.className = 'late';
            tr.append(td);
        }
        return tr;
    });
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    tbody.append(...body);
    table.replaceChildren(thead, tbody);
}

async function loadCells() {
    renderCells(await getJSON('/api/cells' + query(periodQuery())));
}

// A cell's card (GET /api/cells/{code}) over the map, which zooms to the cell.
async function showCell(code) {
    const card = $('cell-card');
    try {
        const c = await getJSON(`/api/cells/${encodeURIComponent(code)}` + query(periodQuery()));
        fitExtent(map, c.extent, 16, 300);
        const r = c.report || {};
        const workers = (c.workers || []).map((w) => w.name || w.id).join('、') || '—';
        card.innerHTML = '<button aria-label="关闭 Close">×</button><h3></h3><div class="body"></div>';
        card.querySelector('h3').textContent = `${c.code} · ${(c.community && (c.community.name || c.community.id)) || ''}`;
        const lines = [
            `户数 Households ${fmt(c.households, 'int')} · 单元 Units ${c.units ?? '—'}`,
            `网格员 Workers ${workers}`,
            `案件 Cases ${fmt(r.incidents, 'int')} · 未结 Open ${fmt(r.open, 'int')} · 超期 Overdue ${fmt(r.overdue, 'int')}`,
            `结案率 ${fmt(r.closing_rate, 'pct')} · 按期 ${fmt(r.on_time_rate, 'pct')} · 工作量 Workload ${r.index == null ? '—' : r.index.toFixed(2)}`,
            `摄像头 Cameras ${(c.cameras || []).length}`,
        ];
        card.querySelector('.body').replaceChildren(...lines.map((t) => {
            const d = document.createElement('div');
            d.textContent = t;
            return d;
        }));
        card.querySelector('button').addEventListener('click', () => { card.hidden = true; });
        card.hidden = false;
    } catch (e) {
        note(`网格 ${code}: ${e.message}`);
    }
}

// ---- Latest cases ------------------------------------------------------------------------------

const STATUS = { open: '未结 Open', closed: '已结 Closed', dispatched: '已派 Dispatched' };

function timeText(iso) {
    if (!iso)
        return '';
    const d = new Date(iso);
    return d.toLocaleString('zh-CN', { timeZone: state.tz, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}

function caseItem(k, fresh) {
    const li = document.createElement('li');
    li.dataset.id = k.id;
    li.dataset.reported = k.reported || '';
    if (k.overdue)
        li.classList.add('overdue');
    if (fresh)
        li.classList.add('fresh');
    const t = document.createElement('span');
    t.className = 't';
    t.textContent = timeText(k.reported);
    const what = document.createElement('span');
    what.textContent = `${k.category || '—'} · ${k.cell || '未入网格 no cell'}`;
    what.title = k.id;
    const s = document.createElement('span');
    s.className = 's';
    s.textContent = k.overdue ? '超期 Overdue' : STATUS[k.status] || (k.closed ? STATUS.closed : STATUS.open);
    li.append(t, what, s);
    if (Number.isFinite(k.lon) && Number.isFinite(k.lat))
        li.addEventListener('click', () => map.getView().animate({ center: fromLonLat([k.lon, k.lat]), zoom: 17, duration: 400 }));
    return li;
}

function renderCases(freshId) {
    $('case-list').replaceChildren(...cases.map((k) => caseItem(k, k.id === freshId)));
    caseSource.clear();
    caseSource.addFeatures(cases.filter((k) => Number.isFinite(k.lon) && Number.isFinite(k.lat)).map((k) => {
        const f = new Feature(new Point(fromLonLat([k.lon, k.lat])));
        f.set('overdue', !!k.overdue);
        return f;
    }));
}

async function loadCases() {
    try {
        const r = await getJSON('/api/incidents' + query({ ...periodQuery(), limit: 50 }));
        cases = (r.incidents || r.items || r.features || []).slice(0, MAX_CASES);
    } catch (e) {
        cases = [];
        note(`案件列表不可用 Case list unavailable: ${e.message}`);
    }
    renderCases();
}

// A case from the live feed belongs on the list when it is of the chosen category (a new case
// is always within the period, which ends now).
function inFilter(k) {
    return !state.category || k.category === state.category;
}

function onCase(k) {
    if (!k || !k.id || !inFilter(k))
        return;
    cases = [k, ...cases.filter((c) => c.id !== k.id)].slice(0, MAX_CASES);
    cases.sort((a, b) => (b.reported || '').localeCompare(a.reported || ''));
    renderCases(k.id);
}

// ---- Map ---------------------------------------------------------------------------------------

function note(text) {
    $('center-map-note').textContent = text;
}

// The legend of the shown map, from the theme its tiles are drawn with (GET /api/legend/{map}):
// the classes as the printed map has them, so what the screen shows can be read.
let legendAsked = 0;
// A colour at its opacity over the basemap's land (#faf8f4), as the tiles show it there.
function overLand(hex, alpha) {
    const land = [0xfa, 0xf8, 0xf4];
    const c = [1, 3, 5].map((i, k) => Math.round(parseInt(hex.slice(i, i + 2), 16) * alpha + land[k] * (1 - alpha)));
    return `rgb(${c.join(',')})`;
}
async function loadLegend() {
    const asked = ++legendAsked;
    const box = $('map-legend');
    let l;
    try {
        l = await getJSON(`/api/legend/${current}` + query(periodQuery()));
    } catch (e) {
        if (asked === legendAsked)
            box.textContent = '';
        return;
    }
    if (asked !== legendAsked) // another map was chosen meanwhile
        return;
    box.textContent = '';
    if (!l.items || !l.items.length)
        return;
    const h = document.createElement('h3');
    h.textContent = l.heading;
    const ul = document.createElement('ul');
    for (const it of l.items) {
        const li = document.createElement('li');
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = overLand(it.color, it.alpha);
        const t = document.createElement('span');
        t.textContent = it.text;
        li.append(sw, t);
        ul.append(li);
    }
    box.append(h, ul);
    box.dataset.map = l.map;
}

function layerSwitcher() {
    const box = $('layers');
    const names = state.health && Array.isArray(state.health.maps) ? state.health.maps : MAPS.map((m) => m[0]);
    for (const [name, zh, en] of MAPS.filter((m) => names.includes(m[0]))) {
        const label = document.createElement('label');
        label.innerHTML = `<input type="radio" name="layer" value="${name}"> ${zh} <span class="en">${en}</span>`;
        const input = label.querySelector('input');
        input.checked = name === current;
        input.addEventListener('change', () => {
            current = name;
            overlay.setSource(tileLayer(name).getSource());
            loadLegend();
        });
        box.append(label);
    }
}

function makeCenterMap() {
    map = makeMap('center-map');
    base = tileLayer('base', { visible: false }); // the basemap, shown once the extent is known
    overlay = tileLayer(current, { visible: false });
    caseSource = new VectorSource();
    // markers as large as the text around them: the page scales with the screen's width
    const k = Math.max(1, parseFloat(getComputedStyle(document.documentElement).fontSize) / 16);
    const red = new Style({ image: new Circle({ radius: 5 * k, fill: new Fill({ color: '#e2463f' }), stroke: new Stroke({ color: '#fff', width: 1.5 * k }) }) });
    const blue = new Style({ image: new Circle({ radius: 4 * k, fill: new Fill({ color: '#3aa0ff' }), stroke: new Stroke({ color: '#fff', width: k }) }) });
    map.addLayer(base);
    map.addLayer(overlay);
    map.addLayer(new VectorLayer({ source: caseSource, style: (f) => (f.get('overdue') ? red : blue) }));
    window.wangge = Object.assign(window.wangge || {}, { centerMap: map, centerLayers: () => current });
}

// ---- Life ----------------------------------------------------------------------------------------

let pending = null;
function soon(fn) { // coalesces a burst of events into one refetch
    clearTimeout(pending);
    pending = setTimeout(fn, 250);
}

async function refreshAll() {
    const all = await getJSON('/api/summary' + query({ tz: state.tz }));
    setAnchor(all.period && all.period.as_of);
    fillCategories(all);
    refreshTiles(base, 'base');
    refreshTiles(overlay, current);
    loadLegend();
    $('period-label').textContent = periodLabel();
    await Promise.all([loadSummary(), loadCells(), loadCases()]);
}

export async function start() {
    makeCenterMap();
    try {
        await loadHealth();
        fitted = fitExtent(map, state.health.extent);
    } catch (e) {
        note(`服务不可用 Service unavailable: ${e.message}`);
    }
    // no tiles of the whole world while the district's extent is unknown
    base.setVisible(fitted);
    overlay.setVisible(fitted);
    if (!fitted)
        note('等待工作区范围 Waiting for the workspace extent (GET /api/health)');
    layerSwitcher();
    state.listeners.add(() => refreshAll().catch((e) => note(e.message)));
    changed();
    onEvent('kpi', () => soon(() => Promise.all([loadSummary(), loadCells()]).catch((e) => note(e.message))));
    onEvent('case', onCase);
    onEvent('tiles', (t) => {
        for (const name of t.maps || [])
            state.tileVersion[name] = t.version;
        if ((t.maps || []).includes('base'))
            refreshTiles(base, 'base');
        if ((t.maps || []).includes(current)) {
            refreshTiles(overlay, current);
            loadLegend();
        }
    });
    onEvent('plan', () => soon(() => loadCells().catch((e) => note(e.message))));
    onEvent('reset', () => refreshAll().catch((e) => note(e.message)));
}

export function shown() {
    map.updateSize();
}
