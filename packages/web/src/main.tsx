import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './containers/App.js';
import './styles/base.css';
import './styles/app.css';
import './styles/files.css';

const root = document.getElementById('root');
if (root === null) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
