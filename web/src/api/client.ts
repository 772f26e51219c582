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

export async function api<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch {
    throw networkError();
  }
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

/**
 * Reads belong to the active role. While a role switch is under way they are held: those in flight
 * (or queued by the browser behind its few connections) are aborted and new ones refused, so none
 * is answered under the new role (a 403 for the old role's screen). The app reloads after the switch.
 */
let roleReads = new AbortController();

export function holdReads(): void {
  roleReads.abort();
}

export function releaseReads(): void {
  if (roleReads.signal.aborted) roleReads = new AbortController();
}

export const get = <T>(path: string) => api<T>('GET', path, undefined, roleReads.signal);

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
