// planner.js: the planner (规划): a plan's cells and units, selecting units (click, shift-click,
// shift-drag), moving them into a cell with the write token, the answer's totals and
// violations at once, saving the plan under a new name, and its differences from the active one.
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { bbox as bboxStrategy } from 'ol/loadingstrategy.js';
import { transformExtent } from 'ol/proj.js';
import DragBox from 'ol/interaction/DragBox.js';
import DragZoom from 'ol/interaction/DragZoom.js';
import { shiftKeyOnly } from 'ol/events/condition.js';
import { Fill, Stroke, Style, Text } from 'ol/style.js';
import { getJSON, postJSON, query } from './api.js';
import { onEvent } from './events.js';
import { state, loadHealth } from './state.js';
import { makeMap, fitExtent, tileLayer } from './map.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'wangge-token';
let map, cellSource, unitSource, plans = [], plan = null;
const selected = new Set(); // unit ids
let fitted = false;

function msg(text, error) {
    const el = $('planner-msg');
    el.textContent = text || '';
    el.classList.toggle('error', !!error);
}

const enc = encodeURIComponent;
const planPath = () => `/api/plans/${enc(plan)}`;

// ---- Layers ----------------------------------------------------------------------------------

// out of range in red; the chosen target cell in yellow
const cellStyle = (f) => new Style({
    stroke: new Stroke({
        color: cellCode(f) === targetCode() ? '#ffd24a' : f.get('in_range') === false ? '#e2463f' : '#3aa0ff',
        width: cellCode(f) === targetCode() ? 4 : 2,
    }),
    fill: new Fill({ color: 'rgba(58, 160, 255, 0.04)' }),
    text: new Text({
        text: `${f.get('code') ?? f.getId() ?? ''}\n${f.get('households') ?? ''}`,
        font: '600 13px "Noto Sans CJK SC", sans-serif',
        fill: new Fill({ color: '#e6eef5' }),
        stroke: new Stroke({ color: '#0b1620', width: 3 }),
        overflow: false,
    }),
});
const unitPlain = new Style({ stroke: new Stroke({ color: 'rgba(200, 215, 230, 0.55)', width: 0.8 }), fill: new Fill({ color: 'rgba(200, 215, 230, 0.08)' }) });
const unitSelected = new Style({ stroke: new Stroke({ color: '#ffd24a', width: 2 }), fill: new Fill({ color: 'rgba(255, 210, 74, 0.45)' }) });
const targetCode = () => document.getElementById('target').value.trim();
const unitId = (f) => String(f.get('id') ?? f.getId());
const cellCode = (f) => String(f.get('code') ?? f.getId());

function sources() {
    const format = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
    cellSource = new VectorSource({ format, url: () => `${planPath()}/cells.geojson` });
    unitSource = new VectorSource({
        format,
        strategy: bboxStrategy,
        url: (extent) => `${planPath()}/units.geojson` +
            query({ bbox: transformExtent(extent, 'EPSG:3857', 'EPSG:4326').map((v) => v.toFixed(6)).join(',') }),
    });
    cellSource.on('featuresloadend', () => {
        codes();
        if (!fitted && cellSource.getFeatures().length) {
            map.getView().fit(cellSource.getExtent(), { padding: [20, 20, 20, 20] });
            fitted = true;
        }
        totals();
    });
    cellSource.on('featuresloaderror', () => msg('网格不可用 Cells unavailable (GET …/cells.geojson)', true));
    unitSource.on('featuresloaderror', () => msg('单元不可用 Units unavailable (GET …/units.geojson)', true));
    map.getLayers().clear();
    map.addLayer(tileLayer('base'));
    map.addLayer(new VectorLayer({ source: unitSource, style: (f) => (selected.has(unitId(f)) ? unitSelected : unitPlain), minZoom: 13 }));
    map.addLayer(new VectorLayer({ source: cellSource, style: cellStyle, declutter: true }));
}

function codes() {
    const list = $('cell-codes');
    list.replaceChildren(...cellSource.getFeatures().map(cellCode).sort().map((c) => {
        const o = document.createElement('option');
        o.value = c;
        return o;
    }));
}

// ---- Selection ---------------------------------------------------------------------------------

function selectedFeatures() {
    return unitSource.getFeatures().filter((f) => selected.has(unitId(f)));
}

function totals() {
    const feats = selectedFeatures();
    $('sel-units').textContent = selected.size;
    $('sel-hh').textContent = feats.reduce((s, f) => s + (Number(f.get('households')) || 0), 0);
    const from = [...new Set(feats.map((f) => f.get('cell')).filter(Boolean))];
    $('sel-cells').textContent = from.length ? `来自 from ${from.join(', ')}` : '';
    const target = cellSource && cellSource.getFeatures().find((f) => cellCode(f) === $('target').value);
    $('target-info').textContent = target ? `现有 now ${target.get('households') ?? '?'} 户 households` : '';
    unitSource && unitSource.changed();
    cellSource && cellSource.changed();
}

function toggle(f, add) {
    const id = unitId(f);
    if (add && selected.has(id))
        selected.delete(id);
    else
        selected.add(id);
}

function interactions() {
    // shift-drag draws a selection box instead of zooming
    for (const i of map.getInteractions().getArray().slice())
        if (i instanceof DragZoom)
            map.removeInteraction(i);
    const box = new DragBox({ condition: shiftKeyOnly });
    box.on('boxend', () => {
        const extent = box.getGeometry().getExtent();
        unitSource.forEachFeatureIntersectingExtent(extent, (f) => {
            selected.add(unitId(f));
        });
        totals();
    });
    map.addInteraction(box);
    map.on('singleclick', (e) => {
        const add = e.originalEvent.shiftKey;
        if (!add)
            selected.clear();
        let hit = false;
        map.forEachFeatureAtPixel(e.pixel, (f, layer) => {
            if (hit || !layer || layer.getSource() !== unitSource)
                return false;
            toggle(f, add);
            hit = true;
            return true;
        });
        totals();
    });
}

// ---- Move, copy, diff ----------------------------------------------------------------------------

function token() {
    return $('token').value.trim();
}

const yes = (b) => (b ? '是 yes' : '否 no');

function showMove(r) {
    const ok = r.in_range && r.contiguous && r.same_community;
    const box = $('move-result');
    box.innerHTML = '<h2>移动结果 <span class="en">Move result</span></h2><dl class="result"></dl>';
    const dl = box.querySelector('dl');
    const rows = [
        ['目标网格户数', 'Target households', `${r.to} · ${r.to_households}`, 'to-households'],
        ['原网格户数', 'Source households', `${r.from_cells} 个网格 cells · ${r.from_households}`, 'from-households'],
        ['户数在范围内', 'In range', yes(r.in_range), 'in-range', !r.in_range],
        ['连通', 'Contiguous', yes(r.contiguous), 'contiguous', !r.contiguous],
        ['同一社区', 'Same community', yes(r.same_community), 'same-community', !r.same_community],
        ['结论', 'Verdict', r.verdict, 'verdict', !ok],
    ];
    for (const [zh, en, v, key, bad] of rows) {
        const dt = document.createElement('dt');
        dt.innerHTML = `${zh} <span class="en">${en}</span>`;
        const dd = document.createElement('dd');
        dd.dataset.key = key;
        dd.textContent = v;
        if (bad !== undefined)
            dd.className = bad ? 'verdict-bad' : 'verdict-ok';
        dl.append(dt, dd);
    }
}

async function move() {
    const to = $('target').value.trim();
    if (!selected.size || !to)
        return msg('先选单元和目标网格 Select units and a target cell first', true);
    if (!token())
        return msg('需要令牌 A token is needed to move', true);
    msg('移动中… Moving');
    try {
        const r = await postJSON(`${planPath()}/moves`, { units: [...selected], to }, token());
        showMove(r);
        msg(`已移动 Moved ${r.units} 单元 units → ${r.to}`);
        selected.clear();
        reloadPlan();
    } catch (e) {
        msg(`移动失败 Move refused (${e.status}): ${e.message}`, true);
    }
}

async function copy() {
    const name = $('copy-name').value.trim();
    if (!name)
        return msg('请输入新方案名 Name the new plan', true);
    try {
        const r = await postJSON(`${planPath()}/copy`, { name }, token());
        msg(`已保存 Saved as ${r.name ?? name}`);
        await loadPlans(r.name ?? name);
    } catch (e) {
        msg(`保存失败 Save failed (${e.status}): ${e.message}`, true);
    }
}

async function diff() {
    const active = plans.find((p) => p.active);
    const out = $('diff-result');
    if (!active)
        return msg('没有当前方案 No active plan', true);
    try {
        const d = await getJSON(`${planPath()}/diff` + query({ against: active.name ?? active.id }));
        const c = d.cells || {};
        const lines = [
            `移动单元 Units moved: ${d.moved_units ?? '—'}`,
            `移动户数 Households moved: ${d.moved_households ?? '—'}`,
            `网格 Cells: +${c.added ?? 0} −${c.removed ?? 0} ~${c.changed ?? 0} =${c.same ?? 0}`,
        ];
        const changedCells = (d.changed_cells || []).slice(0, 12).map((x) =>
            (typeof x === 'object' ? `${x.code} ${x.households_before ?? '∅'}→${x.households_after ?? '∅'}` : x));
        if (changedCells.length)
            lines.push(`变化的网格 Changed cells (户 households): ${changedCells.join(', ')}${d.changed_cells.length > 12 ? ' …' : ''}`);
        out.replaceChildren(...lines.map((t, i) => {
            const p = document.createElement('div');
            p.dataset.line = ['units', 'households', 'cells', 'changed'][i];
            p.textContent = t;
            return p;
        }));
        msg(`与当前方案 ${active.name ?? active.id} 对比 Compared with the active plan`);
    } catch (e) {
        msg(`对比失败 Diff failed (${e.status}): ${e.message}`, true);
    }
}

// ---- Plans ---------------------------------------------------------------------------------------

function reloadPlan() {
    cellSource.refresh();
    unitSource.refresh();
    totals();
}

async function loadPlans(choose) {
    const sel = $('plan-select');
    try {
        const r = await getJSON('/api/plans');
        plans = r.plans || [];
    } catch (e) {
        plans = [];
        msg(`方案列表不可用 Plans unavailable: ${e.message}`, true);
    }
    if (!plans.length && state.health && state.health.plan)
        plans = [{ ...state.health.plan, active: true }];
    sel.replaceChildren(...plans.map((p) => {
        const o = document.createElement('option');
        o.value = p.name ?? String(p.id);
        o.textContent = `${p.name ?? p.id}${p.active ? ' (当前 active)' : ''}`;
        return o;
    }));
    const pick = choose ?? (plans.find((p) => p.active) || plans[0] || {}).name;
    if (pick !== undefined) {
        sel.value = pick;
        plan = sel.value;
        selected.clear();
        sources();
    }
}

export async function start() {
    map = makeMap('planner-map');
    // for the browser test: the map and its sources
    window.wangge = Object.assign(window.wangge || {}, { plannerMap: map, plannerSources: () => ({ cells: cellSource, units: unitSource }) });
    const t = $('token');
    t.value = sessionStorage.getItem(TOKEN_KEY) || '';
    t.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, t.value));
    $('plan-select').addEventListener('change', (e) => {
        plan = e.target.value;
        selected.clear();
        sources();
    });
    $('target').addEventListener('input', totals);
    $('move').addEventListener('click', move);
    $('copy').addEventListener('click', copy);
    $('diff').addEventListener('click', diff);
    $('sel-clear').addEventListener('click', () => {
        selected.clear();
        totals();
    });
    try {
        await loadHealth();
        fitted = fitExtent(map, state.health.extent);
    } catch (e) {
        msg(e.message, true);
    }
    interactions();
    await loadPlans();
    onEvent('plan', (p) => {
        if (p && (p.plan === plan || String(p.plan) === plan))
            reloadPlan();
    });
    onEvent('reset', () => loadPlans(plan));
}

export function shown() {
    map.updateSize();
}
