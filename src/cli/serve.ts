/**
 * The web server behind `gcam view`: the built viewer (dist/viewer, see tools/build-viewer.ts) plus the model and
 * images named on the command line, under fixed URLs the page asks for at start (user/manifest.json lists them).
 * It listens on 127.0.0.1 only and answers a fixed table of paths, so it serves nothing but those files; every answer
 * carries the cross-origin isolation headers (COOP/COEP) that multi-threaded WebAssembly needs, and a content
 * security policy that lets the page reach its own origin only.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join } from 'node:path';
import { UsageError } from './args.js';

/** Loopback only: the page and the user's files are for this machine's browser, never the network's. */
export const HOST = '127.0.0.1';

export interface ViewServerOptions {
  /** The built viewer: index.html, viewer.js, onnxruntime-web's files, the built-in model. */
  viewerDir: string;
  /** An ONNX file to open instead of the built-in model. */
  model?: string;
  /** Images or .npy tensors to open with it. */
  images?: readonly string[];
  /** What the page starts with besides: the command line's labels, input size and preprocessing. */
  labels?: readonly string[];
  size?: number;
  preprocess?: { preset?: string; overrides?: Record<string, unknown> };
  /** 0: any free port. */
  port: number;
  /** Every request as it arrives (method and path), e.g. to log them. */
  onRequest?: (method: string, path: string) => void;
}

export interface ViewServer {
  url: string;
  address: AddressInfo;
  close(): Promise<void>;
}

/** Content types the page's files need (wasm's is required by WebAssembly.instantiateStreaming). */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.avif': 'image/avif',
};

/**
 * The page may load and fetch from its own origin only (plus blob: and data: URLs it makes itself). onnxruntime-web
 * compiles WebAssembly ('wasm-unsafe-eval') and runs its threads as workers of the page's own script; protobufjs,
 * which decodes the model, builds its decoders with Function() ('unsafe-eval').
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "img-src 'self' blob: data:",
  "connect-src 'self' blob: data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // The user's files may change between two runs of gcam view on the same port.
  'Cache-Control': 'no-store',
};

type Route = { file: string } | { text: string; type: string };

export async function startViewServer(o: ViewServerOptions): Promise<ViewServer> {
  const routes = new Map<string, Route>();
  for (const rel of filesUnder(o.viewerDir)) routes.set(`/${rel}`, { file: join(o.viewerDir, rel) });
  routes.set('/', { file: join(o.viewerDir, 'index.html') });
  const manifest = {
    model: o.model ? { url: 'user/model.onnx', name: basename(o.model) } : null,
    images: (o.images ?? []).map((path, i) => {
      const url = `user/images/${i}${extname(path).toLowerCase()}`;
      routes.set(`/${url}`, { file: path });
      return { url, name: basename(path) };
    }),
    ...(o.labels && { labels: o.labels }),
    ...(o.size !== undefined && { size: o.size }),
    ...(o.preprocess && { preprocess: o.preprocess }),
  };
  if (o.model) routes.set('/user/model.onnx', { file: o.model });
  routes.set('/user/manifest.json', { text: JSON.stringify(manifest), type: TYPES['.json'] });

  // The bound port (o.port may be 0), known once listening: the Host check compares with it.
  let port = o.port;
  const server = createServer((req, res) => {
    o.onRequest?.(req.method ?? '', req.url ?? '');
    answer(req, res, routes, port);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(new UsageError(`Port ${o.port} on ${HOST} is in use; choose another with --port (or --port 0 for any free one).`));
      else if (e.code === 'EACCES')
        reject(new UsageError(`Port ${o.port} on ${HOST} may not be opened by this user; choose one above 1023 with --port.`));
      else reject(e);
    });
    server.listen(o.port, HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  return {
    url: `http://${HOST}:${port}/`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A browser keeps its connections open; closing them lets the server stop now rather than when they time out.
        server.closeAllConnections();
      }),
  };
}

function answer(req: IncomingMessage, res: ServerResponse, routes: Map<string, Route>, port: number): void {
  // A page of another site that re-points its own host name at 127.0.0.1 (DNS rebinding) sends its own Host:
  // refused, so only pages opened at this server's address can read the user's files.
  const host = req.headers.host ?? '';
  if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) return plain(res, 403, 'Forbidden host.');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return plain(res, 405, 'Only GET and HEAD.');
  }
  // The exact path, undecoded: a name outside the table (../, %2e%2e, another file) is simply not found.
  const path = (req.url ?? '/').split('?')[0];
  const route = routes.get(path);
  if (!route) return plain(res, 404, `${path} not found.`);
  if ('text' in route) {
    res.writeHead(200, { ...HEADERS, 'Content-Type': route.type, 'Content-Length': Buffer.byteLength(route.text) });
    res.end(req.method === 'HEAD' ? undefined : route.text);
    return;
  }
  let size: number;
  try {
    const st = statSync(route.file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    return plain(res, 404, `${path} is no longer there.`);
  }
  const type = TYPES[extname(route.file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { ...HEADERS, 'Content-Type': type, 'Content-Length': size });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(route.file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

/** Every file under dir, as paths relative to it with '/' separators. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(dir, `${prefix}${d.name}/`) : d.isFile() ? [`${prefix}${d.name}`] : [],
  );
}
