// map.js: the OpenLayers maps (canvas 2D, Web Mercator) over the service's own tiles and
// GeoJSON: nothing from another host.
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import { transformExtent } from 'ol/proj.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import { state, periodQuery } from './state.js';
import { query } from './api.js';

export function makeMap(target) {
    return new Map({
        target,
        controls: defaultControls({ attribution: false, rotate: false }).extend([new ScaleLine()]),
        view: new View({ center: [0, 0], zoom: 2, maxZoom: 20 }),
    });
}

// Fits the view to the workspace's extent [minlon, minlat, maxlon, maxlat] (GET /api/health),
// when the service gives one; true when it did.
export function fitExtent(map, extent, maxZoom = 18, duration = 0) {
    if (!Array.isArray(extent) || extent.length !== 4 || !extent.every(Number.isFinite))
        return false;
    map.getView().fit(transformExtent(extent, 'EPSG:4326', 'EPSG:3857'), { padding: [40, 40, 40, 40], maxZoom, duration });
    return true;
}

const hiDpi = () => window.devicePixelRatio >= 1.5;

// The URL template of a tile map, with the period, the category and its latest version (so a
// new version refetches: the tiles themselves are served with no-cache and an ETag).
export function tileUrl(name) {
    const q = periodQuery();
    const v = state.tileVersion[name];
    return `/tiles/${name}/{z}/{x}/{y}${hiDpi() ? '@2x' : ''}.png` + query({ ...q, v });
}

export function tileLayer(name, opts = {}) {
    return new TileLayer({
        ...opts,
        source: new XYZ({
            url: tileUrl(name),
            tilePixelRatio: hiDpi() ? 2 : 1,
            transition: 0,
            crossOrigin: null,
        }),
    });
}

// Points the layer at the tile map's current URL; OpenLayers keeps the tiles it has until the
// new ones arrive, so the map does not flicker.
export function refreshTiles(layer, name) {
    layer.getSource().setUrl(tileUrl(name));
}
