// state.js: what both layouts share: the period, the category, the time zone, the latest
// version of each tile map, and the workspace's description (GET /api/health).
import { getJSON } from './api.js';

export const state = {
    period: '30', // today | 7 | 30 | all
    category: '',
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    anchor: null, // the day the periods end on (YYYY-MM-DD): the latest case's
    health: null,
    tileVersion: {}, // map -> version, from `tiles` events
    listeners: new Set(),
};

export const MAPS = [
    ['heatmap', '热力图', 'Heatmap'],
    ['incidents', '案件', 'Incidents'],
    ['workload', '工作量', 'Workload'],
    ['rate', '结案率', 'Closing rate'],
    ['coverage', '视频覆盖', 'Coverage'],
    ['cameras', '摄像头', 'Cameras'],
    ['plan', '网格', 'Plan'],
];

export function changed() {
    for (const fn of state.listeners)
        fn();
}

function ymd(date, tz) {
    // en-CA writes YYYY-MM-DD
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

function addDays(day, n) {
    const [y, m, d] = day.split('-').map(Number);
    const t = new Date(Date.UTC(y, m - 1, d + n));
    return t.toISOString().slice(0, 10);
}

// The anchor: today, unless the latest case is older (a sample or an archive), then its day,
// so that "today" shows the last day with cases rather than nothing. `asOf` is ISO text.
export function setAnchor(asOf) {
    const today = ymd(new Date(), state.tz);
    const last = asOf ? ymd(new Date(asOf), state.tz) : today;
    state.anchor = last < today ? last : today;
}

// The query of the current period and category: {from, to, tz, category}.
export function periodQuery() {
    const q = { tz: state.tz, category: state.category };
    if (state.period !== 'all' && state.anchor) {
        const days = state.period === 'today' ? 1 : Number(state.period);
        q.from = addDays(state.anchor, 1 - days);
        q.to = addDays(state.anchor, 1);
    }
    return q;
}

export function periodLabel() {
    const q = periodQuery();
    if (!q.from)
        return '全部 All';
    const to = addDays(q.to, -1);
    return q.from === to ? q.from : `${q.from} — ${to}`;
}

export async function loadHealth() {
    state.health = await getJSON('/api/health');
    return state.health;
}
