/**
 * The one way the app talks to the server: same-origin fetch with the session cookie. Every
 * error answer `{"error": {code, message, field?}}` becomes an ApiError the screens can show.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/*
 * Signing out or switching the active role: the session (or role) ends on the server while the
 * screens may still be reading (a queue's reload, the live stream). Those reads would be answered
 * 401 (or 403 for the old role's screen) and shown as errors. So, before the change is
 * sent, `leaveSession` aborts every read in flight and holds every new one, unanswered:
 * the page that follows is loaded afresh, which drops them. `stayInSession` undoes it when the
 * sign-out or the switch fails.
 */
let reads = new AbortController();
let leaving = false;
const leaveListeners = new Set<() => void>();
const held = <T>() => new Promise<T>(() => undefined);

export function leaveSession(): void {
  leaving = true;
  reads.abort();
  for (const listener of leaveListeners) listener();
}

export function stayInSession(): void {
  leaving = false;
  reads = new AbortController();
}

/** Calls `listener` when the session is left (the live stream closes then); returns how to stop. */
export function onLeavingSession(listener: () => void): () => void {
  leaveListeners.add(listener);
  return () => void leaveListeners.delete(listener);
}

export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const read = method === 'GET';
  if (read && leaving) return held<T>();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(read ? { signal: reads.signal } : {}),
    });
  } catch {
    if (read && leaving) return held<T>();
    throw networkError();
  }
  // Answered as the session ended: nothing to show, the next page reads afresh.
  if (read && leaving) return held<T>();
  return answer<T>(response);
}

const networkError = () => new ApiError(0, 'NETWORK', 'The server could not be reached. Check your connection and try again.');

/** Sends one file as multipart/form-data (the part named `file`, as the attachment routes expect). */
export async function upload<T>(path: string, file: File): Promise<T> {
  const form = new FormData();
  form.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' }, body: form });
  } catch {
    throw networkError();
  }
  return answer<T>(response);
}

/** The JSON of an answer, or its error as an ApiError. */
async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP_' + response.status, error?.message ?? `The server answered ${response.status}.`, error?.field);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
