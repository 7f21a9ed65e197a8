// Preload: the only bridge between the window and the main process. It exposes
// three functions, never ipcRenderer itself (contextIsolation keeps the page apart).
'use strict';
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('lattice', {
  train: (options) => ipcRenderer.invoke('lattice:train', options),
  stop: () => ipcRenderer.send('lattice:stop'),
  onProgress: (callback) => {
    const listener = (_event, message) => callback(message);
    ipcRenderer.on('lattice:progress', listener);
    return () => ipcRenderer.removeListener('lattice:progress', listener);
  },
});
