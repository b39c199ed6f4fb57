// kawa does not silence the AWS SDK's warning that its releases from January 2027 need Node.js 22: a user on
// Node.js 20 sees it once, when the first client is made; on 22 and later there is nothing to say.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const MAKE_CLIENT = `
import { createLogsClient } from './dist/sources/cloudwatch/client.js';
import { defaultCloudWatchConfig } from './dist/sources/cloudwatch/config.js';
createLogsClient({ ...defaultCloudWatchConfig('c'), region: 'us-east-1' });
createLogsClient({ ...defaultCloudWatchConfig('d'), region: 'us-east-1' });
`;

describe("the AWS SDK's Node.js version warning", () => {
  it(`is shown once on Node.js 20 and absent on 22 and later (running ${process.version})`, () => {
    const env = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', MAKE_CLIENT], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const warnings = r.stderr.split('NodeVersionSupportWarning').length - 1;
    expect(warnings).toBe(Number(process.versions.node.split('.')[0]) < 22 ? 1 : 0);
  });
});
