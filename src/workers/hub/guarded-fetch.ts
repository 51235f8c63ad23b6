/**
 * The one fetch for model files: it never follows a redirect to another
 * origin, with a single exception, the official Hugging Face hub, which
 * answers `resolve/main/<LFS file>` with a redirect to its own CDN.
 *
 * How, in both runtimes:
 * - Every request goes out with `redirect: 'manual'`. Node (undici) then
 *   shows the 3xx and its Location: same-origin hops are followed here (at
 *   most 5), another origin is refused before any request reaches it,
 *   except the hub's CDN hosts when the base is the hub.
 * - A browser hides a manual redirect (an opaque-redirect response, no
 *   Location). From any base but the official hub that is refused with a
 *   line saying so (so nothing is ever requested from the second origin;
 *   a mirror must serve its files itself). From the hub the request is
 *   repeated with `redirect: 'follow'` and the final response's URL must be
 *   a hub host (https, huggingface.co, hf.co or a subdomain of either)
 *   before a byte of the body is read; otherwise the body is dropped and
 *   the file refused.
 * Requests carry no credentials (cookies) to any origin.
 */
import { HubError } from './hub-error';

const HUB_ORIGINS = new Set(['https://huggingface.co', 'https://hf.co']);

/** The official hub (the only base whose redirects to other hosts are followed). */
export function isOfficialHub(url: URL): boolean {
  return HUB_ORIGINS.has(url.origin);
}

/** The hub's own hosts: its domains and their subdomains (cdn-lfs*.hf.co, cas-bridge.xethub.hf.co, …), https only. */
export function isHubHost(url: URL): boolean {
  if (url.protocol !== 'https:' || url.port !== '') return false;
  const h = url.hostname.toLowerCase();
  return h === 'huggingface.co' || h === 'hf.co' || h.endsWith('.hf.co') || h.endsWith('.huggingface.co');
}

const MAX_HOPS = 5;

function drop(res: Response): void {
  void res.body?.cancel().catch(() => {});
}

/**
 * fetch(url) for `file` under the policy above. `hubBase` says whether the
 * repo's base is the official hub (so its CDN may answer).
 */
export async function guardedFetch(
  url: URL,
  init: RequestInit,
  file: string,
  hubBase: boolean,
): Promise<Response> {
  const origin = url.origin;
  const allowed = (u: URL) => u.origin === origin || (hubBase && isHubHost(u));
  let current = url;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    const res = await fetch(current, { ...init, redirect: 'manual', credentials: 'omit' });
    if (res.type === 'opaqueredirect') {
      if (!hubBase)
        throw new HubError(
          file,
          `${current.origin} answered with a redirect, which is refused: only the Hugging Face hub's redirects to its own hosts are followed (a mirror or server must send the file itself)`,
        );
      const followed = await fetch(current, { ...init, redirect: 'follow', credentials: 'omit' });
      const final = new URL(followed.url || current.href);
      if (!allowed(final)) {
        drop(followed);
        throw new HubError(
          file,
          `the hub redirected to ${final.origin}, which is not one of its own hosts; refused`,
        );
      }
      return followed;
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      drop(res);
      const location = res.headers.get('location');
      if (!location) throw new HubError(file, `${current.origin} answered ${res.status} with no Location`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new HubError(file, `${current.origin} redirected to an unreadable Location`);
      }
      if (!allowed(next))
        throw new HubError(
          file,
          `${current.origin} redirected to ${next.origin}; a redirect to another origin is refused (nothing was fetched from it)`,
        );
      current = next;
      continue;
    }
    return res;
  }
  throw new HubError(file, `more than ${MAX_HOPS} redirects from ${origin}`);
}
