// Colors a child put on a page, kept in this browser (IndexedDB) so a reload, a closed tab or
// tomorrow's visit finds the page as it was left. One PNG per page, keyed "t:<id>" (own
// library) or "g:<id>" (gallery). Best effort: where IndexedDB is missing or refuses (private
// windows, quota), coloring still works, it just is not kept.
const DB_NAME = 'inkwell';
const STORE = 'colors';

let dbPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      if (!('indexedDB' in window)) { reject(new Error('no IndexedDB')); return; }
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error || new Error('IndexedDB refused'));
    });
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

function run(mode, fn) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onabort = tx.onerror = () => reject(tx.error || new Error('IndexedDB transaction failed'));
  }));
}

// The saved PNG Blob of a page, or null (none saved, or storage unavailable).
export function loadColors(key) {
  return run('readonly', (s) => s.get(key)).then((v) => (v instanceof Blob ? v : null), () => null);
}

// Keeps `blob` as the page's colors. Rejects when storage refuses.
export function saveColors(key, blob) {
  return run('readwrite', (s) => s.put(blob, key));
}

// Forgets one page's colors ("Start over"). Rejects when storage refuses.
export function forgetColors(key) {
  return run('readwrite', (s) => s.delete(key));
}

// Forgets every page's colors (signing out on a shared computer). Never rejects.
export function forgetAllColors() {
  return run('readwrite', (s) => s.clear()).catch(() => {});
}
