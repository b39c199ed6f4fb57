// Every kind of source kawa has, in the order a configuration selects them when it configures more than
// one (a `source.type: kinesis` block wins over the k8saudit-eks plugin block). A new kind of source is a
// folder with its descriptor (kind.ts) and one line here.
import { cloudWatchSource } from './cloudwatch/index.js';
import { fileSource } from './file/index.js';
import type { SourceKind } from './kind.js';
import { kinesisSource } from './kinesis/index.js';
import { webhookSource } from './webhook/index.js';

export const SOURCE_KINDS = [fileSource, webhookSource, kinesisSource, cloudWatchSource] as const;

export type SourceName = (typeof SOURCE_KINDS)[number]['name'];

type ConfigOf<K> = K extends SourceKind<infer C, never> ? C : never;

/** Each source's configuration as read from falco.yaml (undefined: the file does not configure it). */
export type SourceConfigs = { [K in (typeof SOURCE_KINDS)[number] as K['name']]?: ConfigOf<K> };

export type { SourceKind, SourceFlag, SourceContext, FlagValues } from './kind.js';
