// main.js: the page of `wangge serve`: two layouts, the command center (#center) and the
// planner (#planner), over one live event stream.
import 'ol/ol.css';
import './style.css';
import { connect } from './events.js';
import { state, changed } from './state.js';
import * as center from './center.js';
import * as planner from './planner.js';

const layouts = { center, planner };
const started = new Set();

function show() {
    const name = location.hash === '#planner' ? 'planner' : 'center';
    for (const [n, mod] of Object.entries(layouts)) {
        document.getElementById(n).hidden = n !== name;
        document.querySelector(`.layouts a[data-layout="${n}"]`).classList.toggle('on', n === name);
        if (n !== name)
            continue;
        if (!started.has(n)) {
            started.add(n);
            mod.start();
        } else {
            mod.shown();
        }
    }
    document.getElementById('filters').style.visibility = name === 'center' ? '' : 'hidden';
}

function filters() {
    for (const b of document.querySelectorAll('[data-period]')) {
        b.classList.toggle('on', b.dataset.period === state.period);
        b.addEventListener('click', () => {
            state.period = b.dataset.period;
            for (const o of document.querySelectorAll('[data-period]'))
                o.classList.toggle('on', o === b);
            changed();
        });
    }
    document.getElementById('category').addEventListener('change', (e) => {
        state.category = e.target.value;
        changed();
    });
}

function clock() {
    const el = document.getElementById('clock');
    const tick = () => {
        el.textContent = new Date().toLocaleString('zh-CN', { hour12: false, timeZone: state.tz });
    };
    tick();
    setInterval(tick, 1000);
}

filters();
clock();
connect((live) => {
    const el = document.getElementById('live');
    el.classList.toggle('on', live);
    el.classList.toggle('off', !live);
    el.title = live ? '实时连接 Live' : '实时连接断开，正在重连 Offline, reconnecting';
});
window.addEventListener('hashchange', show);
show();
