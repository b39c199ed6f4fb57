#!/usr/bin/env node
// The kawa command. Everything lives in the compiled library; this file only starts it, from the bundle of
// the command line (scripts/gen-cli-bundle.mjs: one module per source file would cost start-up time).
import { main } from '../dist/cli-bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
