import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './app.tsx';
import { createI18n } from './i18n/i18n.ts';
import { setStationApi } from './backend/api.ts';
import { connectStation } from './backend/connect.ts';
import { useStationStore } from './state/station_store.ts';
import './styles/kiosk.css';

const connection = connectStation();
setStationApi(connection.api);
const { refresh, setConnected } = useStationStore.getState();
connection.onConnection((connected) => {
  setConnected(connected);
  if (connected) void refresh();
});
// Every pushed event (polls, counts, sync) refreshes the status the screens show.
connection.api.subscribe(() => void refresh());

// No context menu, no drag and drop of the kiosk's own content.
document.addEventListener('contextmenu', (event) => {
  event.preventDefault();
});
document.addEventListener('dragstart', (event) => {
  event.preventDefault();
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={createI18n()}>
      <App />
    </I18nextProvider>
  </StrictMode>,
);
