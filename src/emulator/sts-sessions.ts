// The temporary credentials STS AssumeRole issued (sts.ts): access key → session. A request signed with one
// belongs to the role's account until the session expires, then answers ExpiredTokenException. Bounded: at
// most MAX_SESSIONS are remembered, the oldest forgotten first (a forgotten key is then an invalid token).
import { createHash, randomBytes } from 'node:crypto';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  account: string;
  roleArn: string;
  roleName: string;
  sessionName: string;
  /** AROA… id of the role, as in AssumedRoleUser.AssumedRoleId. */
  roleId: string;
  /** Wall clock (plus clock.offsetMs) ms at which the session stops working. */
  expiresAt: number;
}

const MAX_SESSIONS = 10_000;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[bytes[i % bytes.length]! % 32];
  return out;
}

/** AROA + 17 characters derived from the role ARN: the same role always has the same id. */
export function roleIdOf(roleArn: string): string {
  return `AROA${base32(createHash('sha256').update(roleArn).digest(), 17)}`;
}

export class StsSessions {
  private readonly sessions = new Map<string, Session>();

  issue(role: { arn: string; account: string; name: string }, sessionName: string, lifetimeMs: number, nowMs: number): Session {
    const session: Session = {
      accessKeyId: `ASIA${base32(randomBytes(16), 16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      account: role.account, roleArn: role.arn, roleName: role.name, sessionName, roleId: roleIdOf(role.arn),
      expiresAt: nowMs + lifetimeMs,
    };
    this.sessions.set(session.accessKeyId, session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return session;
  }

  get(accessKeyId: string): Session | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** Ends every session now (or those of one role): the next request signed with one is ExpiredTokenException. */
  expire(nowMs: number, roleArn?: string): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if ((roleArn === undefined || s.roleArn === roleArn) && s.expiresAt > nowMs) {
        s.expiresAt = nowMs;
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.sessions.size;
  }

  clear(): void {
    this.sessions.clear();
  }
}
