/** One HTTP(S) request for tests that must choose the client's address or the authority trusted. */
import { request as httpRequestOf } from 'node:http';
import { request as httpsRequestOf } from 'node:https';

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP(S) request trusting `ca` alone, optionally from a given local address (any of
 * 127.0.0.0/8 reaches loopback, so one machine can play several clients).
 */
export async function httpsRequest(
  url: string,
  options: { ca?: string; localAddress?: string; headers?: Record<string, string>; method?: string } = {},
): Promise<HttpsAnswer> {
  const request = url.startsWith('https:') ? httpsRequestOf : httpRequestOf;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
