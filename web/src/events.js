// events.js: the live feed (GET /api/events, server-sent events, wangge-event/1). One stream
// per page; EventSource reconnects by itself and resends Last-Event-ID.

const TYPES = ['case', 'kpi', 'plan', 'tiles', 'reset'];
const handlers = new Map(TYPES.map((t) => [t, new Set()]));
let source = null;

export function onEvent(type, fn) {
    handlers.get(type).add(fn);
}

export function connect(onStatus) {
    if (source || typeof EventSource === 'undefined')
        return;
    source = new EventSource('/api/events');
    source.onopen = () => onStatus(true);
    source.onerror = () => onStatus(false);
    for (const t of TYPES)
        source.addEventListener(t, (e) => {
            let d;
            try {
                d = JSON.parse(e.data);
            } catch {
                return;
            }
            // the payload may come bare or wrapped as {type, data}
            const payload = d && typeof d === 'object' && d.data && typeof d.data === 'object' ? d.data : d;
            for (const fn of handlers.get(t))
                fn(payload);
        });
}
