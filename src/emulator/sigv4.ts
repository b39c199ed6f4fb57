// Optional strict mode: verify the SigV4 signature with the secret configured for the access key, to catch
// a client that mangles requests after signing. Algorithm (AWS SigV4, header-signed requests):
//
//   CanonicalRequest = METHOD \n URI \n sorted query \n "name:value\n" per signed header \n SignedHeaders \n payload hash
//   StringToSign     = "AWS4-HMAC-SHA256" \n X-Amz-Date \n <date>/<region>/<service>/aws4_request \n hex(sha256(CanonicalRequest))
//   key              = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
//   Signature        = hex(HMAC(key, StringToSign))
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from './aws-error.js';

const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)\s*$/;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
// RFC 3986 unreserved characters stay, everything else is %XX (uppercase)
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `secretOf` gives the secret of an access key (configured, or of an STS session), undefined when unknown. */
export function verifySignature(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, secretOf: (accessKeyId: string) => string | undefined): void {
  const m = AUTH.exec(String(headers.authorization ?? ''));
  if (!m) throw new AwsError('IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature.', 403);
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = secretOf(accessKeyId!);
  if (secret === undefined) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
  const amzDate = String(headers['x-amz-date'] ?? '');
  const parsed = new URL(url, 'http://host');
  const query = [...parsed.searchParams].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join('&');
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names.map((n) => {
    const v = headers[n];
    return `${n}:${(Array.isArray(v) ? v.join(',') : String(v ?? '')).trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const path = parsed.pathname.split('/').map((seg) => encode(decodeURIComponent(seg))).join('/');
  const payloadHash = typeof headers['x-amz-content-sha256'] === 'string' ? headers['x-amz-content-sha256'] : sha256(body);
  const canonical = [method, path, query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
  const given = Buffer.from(signature!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new AwsError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', 403);
  }
  if (payloadHash !== sha256(body)) throw new AwsError('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.', 400);
}
