import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { KioskBuildSchema, MachineCheckSchema, PrintOutcomeSchema, SHELL_CHANNELS, type KioskShell } from '../api/kiosk_shell.ts';
import { stationApiOver } from '../api/station_client.ts';

/**
 * The only bridge between the kiosk page and the rest of the machine: the StationApi
 * (`window.scrutin`) and the shell's own three calls (`window.scrutinShell`: the build, the
 * machine check, printing without a dialog), and nothing else (no ipcRenderer, no Node).
 * Answers and events are parsed here against the protocol before the page sees them. Bundled
 * into one file (sandboxed preloads cannot import), see scripts/bundle_electron.ts.
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

const shell: KioskShell = {
  build: async () => KioskBuildSchema.parse(await ipcRenderer.invoke(SHELL_CHANNELS.build)),
  checkMachine: async () => MachineCheckSchema.parse(await ipcRenderer.invoke(SHELL_CHANNELS.checkMachine)),
  print: async () => PrintOutcomeSchema.parse(await ipcRenderer.invoke(SHELL_CHANNELS.print)),
};

contextBridge.exposeInMainWorld('scrutin', api);
contextBridge.exposeInMainWorld('scrutinShell', shell);
