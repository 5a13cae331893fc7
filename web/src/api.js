// api.js: the service's JSON, from this origin only.

export class ApiError extends Error {
    constructor(status, message) {
        super(message);
        this.status = status;
    }
}

async function answer(r) {
    const body = await r.json().catch(() => null);
    if (!r.ok)
        throw new ApiError(r.status, (body && body.error && body.error.message) || `HTTP ${r.status}`);
    return body;
}

export async function getJSON(path) {
    return answer(await fetch(path, { headers: { Accept: 'application/json' } }));
}

// POSTs body as JSON with the write token (Authorization: Bearer).
export async function postJSON(path, body, token) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token)
        headers.Authorization = `Bearer ${token}`;
    return answer(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) }));
}

// A query string from an object, leaving out empty values.
export function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params))
        if (v !== undefined && v !== null && v !== '')
            q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
}
