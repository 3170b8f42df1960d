// The dashboard's calls to the read API. URLs are relative to the page, so the dashboard also works
// when the API is mounted under a prefix. When the API requires a token (DVK_API_READ_TOKEN), the
// first 401 asks for it once; it is kept in sessionStorage for the tab's life.

const TOKEN_KEY = 'dvk.readToken';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? 'http_error';
  }
}

let tokenPrompt = null;

function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function headers() {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/** Shows the token dialog (once for any number of waiting calls); resolves when a token was entered. */
function askToken(wrong) {
  tokenPrompt ??= new Promise((resolve) => {
    const dialog = document.getElementById('token-dialog');
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    const hint = document.getElementById('token-hint');
    hint.textContent = wrong ? 'Mã truy cập không đúng, vui lòng nhập lại.' : '';
    input.value = '';
    const onSubmit = (ev) => {
      ev.preventDefault();
      const v = input.value.trim();
      if (!v) return;
      try {
        sessionStorage.setItem(TOKEN_KEY, v);
      } catch {
        /* storage disabled: the token lives only until this prompt resolves */
      }
      form.removeEventListener('submit', onSubmit);
      dialog.close();
      tokenPrompt = null;
      resolve();
    };
    form.addEventListener('submit', onSubmit);
    dialog.oncancel = (ev) => ev.preventDefault(); // Escape does not dismiss it: nothing works without the token
    dialog.showModal();
    input.focus();
  });
  return tokenPrompt;
}

/** GET a JSON resource of the API (path relative to the page, e.g. "v1/years"). */
export async function getJSON(path) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, { headers: { accept: 'application/json', ...headers() } });
    if (res.status === 401 && attempt < 5) {
      await askToken(token() !== null);
      continue;
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }
}

/** True when a resource exists (HEAD 2xx); false on 404 and any other answer. */
export async function exists(path) {
  try {
    const res = await fetch(path, { method: 'HEAD', headers: headers() });
    return res.ok;
  } catch {
    return false;
  }
}

/** Downloads a file of the API with the token (a plain link cannot send the Authorization header). */
export async function download(path, filename) {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const hasToken = () => token() !== null;
