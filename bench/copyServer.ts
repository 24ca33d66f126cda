/**
 * The attachments baseline: a plain HTTP file copy on loopback, no encryption, no protocol, no
 * checks. `PUT /<name>` streams the body into a file of `dir`, `GET /<name>` streams it back.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export function copyServer(dir: string): Promise<number> {
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').replace(/[^a-z0-9]/gi, '') || 'file';
    const path = join(dir, name);
    if (req.method === 'PUT') {
      pipeline(req, createWriteStream(path)).then(
        () => res.writeHead(204).end(),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      pipeline(createReadStream(path), res).catch(() => res.destroy());
    } else res.writeHead(405).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(address !== null && typeof address === 'object' ? address.port : 0);
    }),
  );
}
