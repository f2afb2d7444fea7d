#!/usr/bin/env node
// Runs the TypeScript command through tsx, so it works from a fresh clone with no build step.
import { register } from "tsx/esm/api"

register()
await import("../src/bin/apigw-emulator.ts")
