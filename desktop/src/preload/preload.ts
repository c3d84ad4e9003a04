import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { stationApiOver } from '../api/station_client.ts';

/**
 * The only bridge between the kiosk page and the rest of the machine: the StationApi, and
 * nothing else (no ipcRenderer, no Node). Answers and events are parsed here against the
 * protocol before the page sees them. Bundled into one file (sandboxed preloads cannot
 * import), see scripts/bundle_electron.ts.
 */
const api = stationApiOver({
  call: (call) => ipcRenderer.invoke('station:call', call),
  listen(onEvent) {
    const listener = (_event: IpcRendererEvent, raw: unknown) => {
      onEvent(raw);
    };
    ipcRenderer.on('station:event', listener);
    return () => {
      ipcRenderer.removeListener('station:event', listener);
    };
  },
});

contextBridge.exposeInMainWorld('scrutin', api);
