import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './containers/App.js';
import { applyToDocument } from './i18n/locale.js';
import './styles/base.css';
import './styles/app.css';
import './styles/files.css';

const root = document.getElementById('root');
if (root === null) throw new Error('missing #root');
// Installable, and opens offline (the app shell from the service worker, history from IndexedDB).
if ('serviceWorker' in navigator && import.meta.env.PROD)
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => {}));

applyToDocument();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
