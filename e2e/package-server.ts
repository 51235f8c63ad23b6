import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

/**
 * A stand-in for a model hub on loopback: serves folders by URL prefix with
 * the CORS and CORP headers a cross-origin-isolated page needs, and counts
 * requests so a test can see what came from the network.
 */
export async function servePackages(
  routes: Record<string, string>,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(path);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const prefix = Object.keys(routes).find((p) => path.startsWith(p));
    if (!prefix) {
      res.statusCode = 404;
      return res.end('not found');
    }
    const file = normalize(join(routes[prefix], path.slice(prefix.length)));
    if (!file.startsWith(normalize(routes[prefix]))) {
      res.statusCode = 403;
      return res.end();
    }
    try {
      const body = await readFile(file);
      res.setHeader('Content-Length', body.length);
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
