/**
 * Sizes are checked before anything is read: a `Blob` whose `size` is over the limit is refused without reading it,
 * a string longer than the limit without encoding it; in the client, the fake and broadcast alike.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { Credentials, TestApi, TestHttp } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Stream } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { vi } from "vitest"

/** A Blob that declares `size` bytes and counts every attempt to read it (each of which fails). */
class WatchedBlob extends Blob {
  reads = 0
  constructor(private readonly declared: number) {
    super([])
  }
  override get size() {
    return this.declared
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    this.reads++
    return Promise.reject(new Error("read"))
  }
  override text(): Promise<string> {
    this.reads++
    return Promise.reject(new Error("read"))
  }
  override stream(): ReturnType<Blob["stream"]> {
    this.reads++
    throw new Error("read")
  }
  override slice(): Blob {
    this.reads++
    throw new Error("read")
  }
  override bytes(): ReturnType<Blob["bytes"]> {
    this.reads++
    return Promise.reject(new Error("read"))
  }
}

const GIB = 2 ** 30

const Client = ApiGatewayManagementApi.layer({ endpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/prod" }).pipe(
  Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest()))
)

/** Every way `Data` enters: a post, a broadcast, a broadcast stream, a presigned post. */
const entries = (Data: unknown): ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown, any>]> => {
  const api = ApiGatewayManagementApi
  return [
    ["postToConnection", api.postToConnection({ ConnectionId: "id", Data: Data as any })],
    ["broadcast", api.broadcast({ ConnectionIds: ["a", "b"], Data: Data as any })],
    ["broadcastStream", Stream.runDrain(api.broadcastStream({ ConnectionIds: ["a", "b"], Data: Data as any }))],
    [
      "generatePresignedUrl",
      api.generatePresignedUrl({
        ClientMethod: "postToConnection",
        Params: { ConnectionId: "id", Data: Data as any }
      })
    ]
  ]
}

const failsWith = (tag: string, label: string) => (exit: Exit.Exit<unknown, unknown>) => {
  assert.isTrue(Exit.isFailure(exit), label)
  if (Exit.isFailure(exit)) {
    assert.isFalse(Cause.isDie(exit.cause), `${label}: ${Cause.pretty(exit.cause)}`)
    const failure = Cause.failureOption(exit.cause)
    assert.strictEqual((failure as any).value?._tag, tag, `${label}: ${Cause.pretty(exit.cause)}`)
  }
}

const refusedUnread = Effect.gen(function*() {
  for (const size of [GIB, 131073]) {
    for (let i = 0; i < entries("").length; i++) {
      const blob = new WatchedBlob(size)
      const [name, effect] = entries(blob)[i]
      failsWith("PayloadTooLargeException", `${name}, ${size} bytes`)(yield* Effect.exit(effect))
      assert.strictEqual(blob.reads, 0, `${name} read the Blob`)
    }
  }
})

describe("sizes are checked before reading", () => {
  it.effect("the client refuses a Blob over the limit without reading it", () =>
    Effect.gen(function*() {
      yield* refusedUnread
      assert.strictEqual((yield* (yield* TestHttp.TestHttp).requests).length, 0)
    }).pipe(Effect.provide(Client)))

  it.effect("the fake refuses a Blob over the limit without reading it", () =>
    Effect.gen(function*() {
      yield* refusedUnread
      assert.deepStrictEqual(
        (yield* (yield* TestApi.TestApi).calls).filter((call) => call.fromBroadcast),
        []
      )
    }).pipe(Effect.provide(TestApi.layer({ connections: ["id", "a", "b"] }))))

  it.effect("a Blob that declares less than it holds is still refused once read; one without a size is refused", () =>
    Effect.gen(function*() {
      class LyingBlob extends Blob {
        override get size() {
          return 10
        }
      }
      const lying = new LyingBlob([new Uint8Array(131073)])
      for (const [name, effect] of entries(lying)) {
        failsWith("PayloadTooLargeException", name)(yield* Effect.exit(effect))
      }
      class SizelessBlob extends Blob {
        override get size(): number {
          throw new Error("no size")
        }
      }
      for (const [name, effect] of entries(new SizelessBlob(["x"]))) {
        failsWith("InvalidInputError", name)(yield* Effect.exit(effect))
      }
      const fake = Object.create(Blob.prototype)
      for (const [name, effect] of entries(fake)) failsWith("InvalidInputError", name)(yield* Effect.exit(effect))
      assert.strictEqual((yield* (yield* TestHttp.TestHttp).requests).length, 0)
    }).pipe(Effect.provide(Client)))

  it.effect("with the check off, a Blob is read and sent", () =>
    Effect.gen(function*() {
      const http = yield* TestHttp.TestHttp
      yield* ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data: new Blob([new Uint8Array(200_000)]) })
      assert.strictEqual((yield* http.requests)[0].body.length, 200_000)
    }).pipe(
      Effect.provide(
        ApiGatewayManagementApi.layer({
          endpoint: "https://abc.execute-api.eu-west-1.amazonaws.com/prod",
          maxPayloadBytes: false
        }).pipe(Layer.provideMerge(Layer.mergeAll(TestHttp.layer(), Credentials.layerTest())))
      )
    ))

  it.effect("a string longer than the limit is refused without being encoded, with its exact size", () =>
    Effect.gen(function*() {
      const text = "é".repeat(131073)
      const spy = vi.spyOn(Buffer, "from")
      const encoder = vi.spyOn(TextEncoder.prototype, "encode")
      try {
        for (const [name, effect] of entries(text)) {
          const exit = yield* Effect.exit(effect)
          failsWith("PayloadTooLargeException", name)(exit)
          if (Exit.isFailure(exit)) assert.include(Cause.pretty(exit.cause), "262146 bytes")
        }
        assert.isFalse(spy.mock.calls.some(([value]) => value === text), "Buffer.from encoded the string")
        assert.isFalse(encoder.mock.calls.some(([value]) => value === text), "TextEncoder encoded the string")
      } finally {
        spy.mockRestore()
        encoder.mockRestore()
      }
    }).pipe(Effect.provide(Client)))

  it.live("a 1 GiB file-backed Blob is refused at once, without reading the file", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "apigw-sizes-"))
      const file = Path.join(dir, "big.bin")
      try {
        // A sparse file: no disk space, but reading it would still make a 1 GiB buffer.
        Fs.writeFileSync(file, "")
        Fs.truncateSync(file, GIB)
        const blob = yield* Effect.promise(() => Fs.openAsBlob(file))
        const started = Date.now()
        const before = process.memoryUsage().arrayBuffers
        const exit = yield* Effect.exit(
          ApiGatewayManagementApi.postToConnection({ ConnectionId: "id", Data: blob }).pipe(Effect.timeout("3 seconds"))
        )
        failsWith("PayloadTooLargeException", "file-backed Blob")(exit)
        assert.isBelow(Date.now() - started, 1000)
        assert.isBelow(process.memoryUsage().arrayBuffers - before, 64 * 1024 * 1024)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(Client)))
})
