import type { StationApi } from '../../api/station_api.ts';

/**
 * The renderer's one way to the station backend. main.tsx sets it at start (Electron's
 * preload object or the browser host's WebSocket client; the rest of the renderer cannot
 * tell which); tests set a fake.
 */
let current: StationApi | undefined;

export function setStationApi(api: StationApi): void {
  current = api;
}

export function stationApi(): StationApi {
  if (current === undefined) throw new Error('the station API is not connected yet');
  return current;
}
