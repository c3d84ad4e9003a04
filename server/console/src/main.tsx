import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n/index.ts';
import '@fontsource-variable/inter/wght.css';
import './styles.css';
import { App } from './app.tsx';

const root = document.getElementById('root');
if (root === null) throw new Error('the console page has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
