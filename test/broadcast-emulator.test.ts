/**
 * Broadcast end to end: thousands of real WebSocket connections on the emulator, our client over real HTTP.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Emulator } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, Stream } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import WebSocket from "ws"

const CREDENTIALS = { accessKeyId: "AKIDBROADCAST", secretAccessKey: "broadcast-secret" }

/** Counts the requests in flight through the real HTTP client. */
const countingHttp = () => {
  const stats = { inFlight: 0, peak: 0, total: 0 }
  const layer = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.make((request) =>
        Effect.suspend(() => {
          stats.total++
          stats.peak = Math.max(stats.peak, ++stats.inFlight)
          return client.execute(request)
        }).pipe(Effect.ensuring(Effect.sync(() => stats.inFlight--)))
      ))
  ).pipe(Layer.provide(Http.layer))
  return { stats, layer }
}

/** Opens `n` real WebSocket clients and counts the messages each receives. */
const openClients = (url: string, n: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const sockets: Array<WebSocket> = []
      const received = new Map<WebSocket, number>()
      for (let i = 0; i < n; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, n - i) }, () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url)
            received.set(ws, 0)
            ws.on("message", () => received.set(ws, received.get(ws)! + 1))
            ws.once("open", () => resolve())
            ws.once("error", reject)
            sockets.push(ws)
          })))
      }
      return { sockets, received }
    }),
    ({ sockets }) => Effect.sync(() => sockets.forEach((ws) => ws.terminate()))
  )

const quiet = Logger.minimumLogLevel(LogLevel.None)

describe("broadcast against the emulator", () => {
  it.scopedLive(
    "2,000 real connections: exact delivered and gone sets, bounded in-flight posts",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ credentials: CREDENTIALS })
        const { received, sockets } = yield* openClients(emulator.url, 2000)
        const ids = (yield* emulator.connections).map((c) => c.ConnectionId)
        assert.strictEqual(ids.length, 2000)
        // 250 clients leave; 50 ids never existed.
        const leaving = ids.slice(0, 250)
        for (const id of leaving) yield* emulator.disconnect(id)
        const unknown = Array.from({ length: 50 }, (_, i) => `Unknown${String(i).padStart(7, "0")}=`)
        const { layer, stats } = countingHttp()
        const pruned: Array<string> = []
        const started = Date.now()
        const result = yield* ApiGatewayManagementApi.broadcast({
          ConnectionIds: [...ids, ...unknown],
          Data: "to everyone",
          concurrency: 16,
          onGone: (id) => Effect.sync(() => pruned.push(id))
        }).pipe(
          Effect.provide(
            ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region: emulator.region }).pipe(
              Layer.provide([Credentials.layerStatic(CREDENTIALS), layer])
            )
          )
        )
        const elapsed = Date.now() - started
        assert.deepStrictEqual(new Set(result.delivered), new Set(ids.slice(250)))
        assert.deepStrictEqual(new Set(result.gone), new Set([...leaving, ...unknown]))
        assert.deepStrictEqual(new Set(pruned), new Set([...leaving, ...unknown]))
        assert.strictEqual(result.failed.length, 0)
        assert.strictEqual(stats.total, 2050)
        assert.strictEqual(stats.peak, 16)
        // Every client still connected receives the message exactly once.
        yield* Effect.sleep("200 millis")
        const counts = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).map((ws) => received.get(ws))
        assert.strictEqual(counts.length, 1750)
        assert.isTrue(counts.every((count) => count === 1))
        assert.isBelow(elapsed, 20_000)
      }).pipe(Effect.provide(quiet)),
    60_000
  )

  it.scopedLive(
    "interrupting a broadcast stops the posts: no client receives anything afterwards",
    () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ credentials: CREDENTIALS })
        const { received } = yield* openClients(emulator.url, 1000)
        const ids = (yield* emulator.connections).map((c) => c.ConnectionId)
        const { layer, stats } = countingHttp()
        const fiber = yield* ApiGatewayManagementApi.broadcast({ ConnectionIds: ids, Data: "x", concurrency: 2 }).pipe(
          Effect.provide(
            ApiGatewayManagementApi.layer({ endpoint: emulator.endpoint, region: emulator.region }).pipe(
              Layer.provide([Credentials.layerStatic(CREDENTIALS), layer])
            )
          ),
          Effect.fork
        )
        while (stats.total < 50) yield* Effect.sleep("5 millis")
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(stats.inFlight, 0)
        const sentAtInterrupt = stats.total
        yield* Effect.sleep("300 millis")
        const delivered = [...received.values()].reduce((a, b) => a + b, 0)
        assert.strictEqual(stats.total, sentAtInterrupt)
        assert.isAtMost(delivered, sentAtInterrupt)
        assert.isBelow(delivered, 1000)
      }).pipe(Effect.provide(quiet)),
    60_000
  )

  it.live("streaming a million-scale id source keeps memory flat", () =>
    Effect.gen(function*() {
      setFlagsFromString("--expose-gc")
      const gc = runInNewContext("gc") as () => void
      // An HTTP client that answers Gone at once: the broadcast itself is what is measured.
      const gone = HttpClient.make((request) =>
        Effect.succeed(
          HttpClientResponse.fromWeb(request, new Response(null, { status: 410, headers: { "content-length": "0" } }))
        )
      )
      const heapAfter = (n: number) =>
        ApiGatewayManagementApi.broadcastStream({
          ConnectionIds: Stream.range(1, n).pipe(Stream.map((i) => `conn-${i}`)),
          Data: "x",
          concurrency: 64
        }).pipe(
          Stream.runFold(0, (count) => count + 1),
          Effect.tap((count) => assert.strictEqual(count, n)),
          Effect.map(() => {
            gc()
            return process.memoryUsage().heapUsed
          })
        )
      const program = Effect.gen(function*() {
        const small = yield* heapAfter(10_000)
        const large = yield* heapAfter(60_000)
        return { small, large }
      }).pipe(
        Effect.provide(
          ApiGatewayManagementApi.layer({ endpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/prod" }).pipe(
            Layer.provide([Credentials.layerStatic(CREDENTIALS), Layer.succeed(HttpClient.HttpClient, gone)])
          )
        )
      )
      const { large, small } = yield* program
      // Six times the ids, no more than a few megabytes more heap (a retained outcome per id would be well over that).
      assert.isBelow(large - small, 8 * 1024 * 1024)
    }), 120_000)
})
