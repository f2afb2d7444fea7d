/**
 * What the emulator queues for a socket stays bounded. The emulator runs in a process of its own
 * (`packages/emulator/test/fixtures/memory-child.ts`, `sendBufferLimit` 256 KiB) and reports its memory after a full
 * garbage collection; raw TCP clients that never read their socket then send, one kind per client:
 *
 * - pings (each would get a pong),
 * - messages no route takes (each would get a `Forbidden` error reply),
 * - messages whose route answers 4 KiB (each would get the route response),
 * - 8 KiB messages to a handler that never answers (each would stay in flight until its time-out).
 *
 * Each kind is 30-40 MB of replies (or of messages in flight) if nothing bounds them; the emulator must grow by less
 * than {@link BOUND} and give the memory back once the client has gone.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"
import { join } from "node:path"
import { createInterface, type Interface } from "node:readline"
import { TestError } from "../packages/emulator/test/utils.js"

const ROOT = join(import.meta.dirname, "..")
const CHILD = join(ROOT, "packages/emulator/test/fixtures/memory-child.ts")
const MB = 1024 * 1024
/** How much one client may make the emulator grow: the 256 KiB send buffer, 4 MiB in flight, and noise. */
const BOUND = 16 * MB

interface Stats {
  readonly marks: number
  readonly used: number
  readonly rss: number
  readonly gc: boolean
}

interface Child {
  readonly port: number
  readonly stats: Effect.Effect<Stats>
}

/** Starts the emulator process; killed with the scope. */
const start = Effect.acquireRelease(
  Effect.async<{ child: ChildProcess; lines: Interface; port: number }, TestError>((resume) => {
    // tsx as a loader of this very process (not its CLI, which runs a second process that a kill would orphan).
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", CHILD], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      stdio: ["pipe", "pipe", "inherit"]
    })
    const lines = createInterface({ input: child.stdout! })
    lines.once("line", (line) => resume(Effect.succeed({ child, lines, port: JSON.parse(line).port })))
    child.once("exit", (code) => resume(Effect.fail(new TestError({ message: `emulator exited ${code}` }))))
  }).pipe(Effect.timeoutFail({ duration: 20_000, onTimeout: () => new TestError({ message: "no emulator" }) })),
  ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
).pipe(Effect.map(({ child, lines, port }): Child => ({
  port,
  stats: Effect.async<Stats>((resume) => {
    lines.once("line", (line) => resume(Effect.succeed(JSON.parse(line))))
    child.stdin!.write("stats\n")
  })
})))

/** A masked client frame (mask 0, so the payload goes as is). */
const frame = (opcode: number, payload: Buffer): Buffer => {
  const length = payload.length
  const header = length < 126 ?
    Buffer.from([0x80 | opcode, 0x80 | length, 0, 0, 0, 0]) :
    Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0])
  return Buffer.concat([header, payload])
}

/** A raw WebSocket client that reads the handshake answer and then never reads again. */
const nonReading = (port: number) =>
  Effect.acquireRelease(
    Effect.async<Net.Socket, TestError>((resume) => {
      const socket = Net.connect(port, "127.0.0.1", () =>
        socket.write(
          "GET /local HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ))
      socket.on("error", () => undefined)
      socket.once("data", (chunk) => {
        socket.pause()
        if (chunk.toString("latin1").startsWith("HTTP/1.1 101")) resume(Effect.succeed(socket))
        else resume(Effect.fail(new TestError({ message: `handshake: ${chunk.toString("latin1").slice(0, 80)}` })))
      })
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** Writes `count` copies of `one`, in chunks of about 1 MiB, waiting for each chunk to leave the process. */
const writeMany = (socket: Net.Socket, one: Buffer, count: number, maxMillis: number) =>
  Effect.async<boolean>((resume) => {
    const perChunk = Math.max(1, Math.floor(MB / one.length))
    const chunk = Buffer.concat(Array.from({ length: perChunk }, () => one))
    let left = count
    let done = false
    const deadline = setTimeout(() => {
      done = true
      resume(Effect.succeed(false))
    }, maxMillis)
    const next = () => {
      if (done) return
      while (left > 0) {
        const n = Math.min(left, perChunk)
        left -= n
        if (!socket.write(n === perChunk ? chunk : chunk.subarray(0, n * one.length))) {
          socket.once("drain", next)
          return
        }
      }
      clearTimeout(deadline)
      done = true
      resume(Effect.succeed(true))
    }
    next()
  })

interface Phase {
  readonly name: string
  readonly frame: Buffer
  readonly count: number
  /** Whether a `mark` message after the others tells when they have all been handled. */
  readonly marked: boolean
}

const PHASES: ReadonlyArray<Phase> = [
  { name: "pings (pongs)", frame: frame(0x9, Buffer.alloc(125, 0x70)), count: 320_000, marked: true },
  { name: "unrouted messages (error replies)", frame: frame(0x1, Buffer.from("x")), count: 200_000, marked: true },
  {
    name: "routed messages (4 KiB route responses)",
    frame: frame(0x1, Buffer.from("{\"action\":\"echo\"}")),
    count: 10_000,
    marked: true
  },
  {
    name: "8 KiB messages to a handler that never answers (in flight)",
    frame: frame(0x1, Buffer.from(JSON.stringify({ action: "slow", pad: "p".repeat(8 * 1024) }))),
    count: 5_000,
    marked: false
  }
]

const MARK = frame(0x1, Buffer.from("{\"action\":\"mark\"}"))

describe("bounded buffers", () => {
  it.scopedLive(
    "a client that never reads makes the emulator's memory grow by a bounded amount, given back",
    () =>
      Effect.gen(function*() {
        const child = yield* start
        const first = yield* child.stats
        assert.isTrue(first.gc, "the emulator runs with --expose-gc")
        const report: Array<string> = []
        const failures: Array<string> = []
        for (const phase of PHASES) {
          const before = yield* child.stats
          const result = yield* Effect.scoped(Effect.gen(function*() {
            const socket = yield* nonReading(child.port)
            const drained = yield* writeMany(socket, phase.frame, phase.count, phase.marked ? 20_000 : 3000)
            if (phase.marked && drained) {
              socket.write(MARK)
              for (let i = 0; i < 200 && (yield* child.stats).marks <= before.marks; i++) yield* Effect.sleep(25)
            }
            yield* Effect.sleep(300)
            return { during: yield* child.stats, drained }
          }))
          // The client has gone: the emulator gives its memory back.
          let after = yield* child.stats
          for (let i = 0; i < 40 && after.used - before.used > BOUND; i++) {
            yield* Effect.sleep(250)
            after = yield* child.stats
          }
          const grew = (result.during.used - before.used) / MB
          const kept = (after.used - before.used) / MB
          report.push(
            `${phase.name}: grew ${grew.toFixed(1)} MB (rss ${(result.during.rss / MB).toFixed(0)} MB), ` +
              `${kept.toFixed(1)} MB kept after the client left; all sent: ${result.drained}`
          )
          if (grew * MB > BOUND) failures.push(`${phase.name} grew ${grew.toFixed(1)} MB`)
          if (kept * MB > BOUND) failures.push(`${phase.name} kept ${kept.toFixed(1)} MB`)
        }
        assert.deepStrictEqual(failures, [], report.join("\n"))
      }),
    { timeout: 120_000 }
  )
})
