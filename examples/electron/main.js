// Electron main process of the lattice-ml example app: one window, training in
// this process (see training.js), progress to the window through preload.js.
// Run: cd examples/electron && npm install && npm start
'use strict';
const path = require('node:path');
const { app, BrowserWindow, ipcMain } = require('electron');
const { registerTraining } = require('./training');

function createWindow() {
  const win = new BrowserWindow({
    width: 720,
    height: 520,
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      // The renderer gets no Node and no lattice-ml: only the small API preload.js exposes.
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  win.loadFile(path.join(__dirname, 'index.html'));
}

app.whenReady().then(() => {
  registerTraining(ipcMain);
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
});

app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
