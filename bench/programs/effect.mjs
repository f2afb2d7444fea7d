// A bare Effect program: import effect/Effect, run one Effect, print, exit. What every client built on effect
// starts from (so the cold start of ours minus this one is what our packages add).
import * as Effect from "effect/Effect"

console.log(await Effect.runPromise(Effect.succeed("done")))
process.exit(0)
