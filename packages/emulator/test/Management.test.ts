/**
 * The management endpoint at the HTTP level: status codes, headers and bodies, signatures (stale, tampered,
 * presigned), flow control, and the client's own features against it.
 */
import { ApiGatewayManagementApi } from "@effect-apigw/core"
import { FixedClock } from "@effect-apigw/layers"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { connectWithId, CREDENTIALS, ourClient, quietEmulator, raw, signedRaw } from "./utils.js"

const enc = (id: string) => encodeURIComponent(id)
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe("management endpoint over HTTP", () => {
  it.scopedLive("every response carries x-amzn-RequestId, errors x-amzn-ErrorType and a JSON message", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const { id } = yield* connectWithId(emulator)
      const ok = yield* signedRaw(emulator.port, "GET", `/local/@connections/${enc(id)}`)
      const gone = yield* signedRaw(emulator.port, "POST", "/local/@connections/Nope%3D", { body: "x" })
      const notFound = yield* raw(emulator.port, "GET", "/elsewhere")
      const forbidden = yield* raw(emulator.port, "GET", `/local/@connections/${enc(id)}`)
      const ids = new Set<string>()
      for (const response of [ok, gone, notFound, forbidden]) {
        assert.match(String(response.headers["x-amzn-requestid"]), REQUEST_ID)
        ids.add(String(response.headers["x-amzn-requestid"]))
      }
      assert.strictEqual(ids.size, 4)
      assert.strictEqual(ok.status, 200)
      assert.strictEqual(ok.headers["content-type"], "application/json")
      const body = JSON.parse(ok.body)
      assert.match(body.connectedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      assert.match(body.lastActiveAt, /^\d{4}-\d{2}-\d{2}T/)
      assert.strictEqual(body.identity.sourceIp, "127.0.0.1")
      assert.strictEqual(gone.status, 410)
      assert.strictEqual(gone.headers["x-amzn-errortype"], "GoneException")
      assert.isString(JSON.parse(gone.body).message)
      assert.strictEqual(forbidden.status, 403)
      assert.strictEqual(forbidden.headers["x-amzn-errortype"], "ForbiddenException")
      assert.strictEqual(JSON.parse(forbidden.body).message, "Missing Authentication Token")
    }))

  it.scopedLive("a request signed more than 5 minutes ago (or ahead) is 403", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
      const { id } = yield* connectWithId(emulator)
      const path = `/local/@connections/${enc(id)}`
      assert.strictEqual((yield* signedRaw(emulator.port, "GET", path, { time: Date.now() - 60_000 })).status, 200)
      const stale = yield* signedRaw(emulator.port, "GET", path, { time: Date.now() - 6 * 60_000 })
      assert.strictEqual(stale.status, 403)
      assert.match(JSON.parse(stale.body).message, /expired/)
      const ahead = yield* signedRaw(emulator.port, "GET", path, { time: Date.now() + 6 * 60_000 })
      assert.strictEqual(ahead.status, 403)
    }))

  it.scopedLive("a tampered path or body is 403 and nothing is delivered", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
      const a = yield* connectWithId(emulator)
      const b = yield* connectWithId(emulator)
      const pathA = `/local/@connections/${enc(a.id)}`
      const pathB = `/local/@connections/${enc(b.id)}`
      const redirected = yield* signedRaw(emulator.port, "POST", pathB, { body: "hi", signPath: pathA })
      assert.strictEqual(redirected.status, 403)
      assert.strictEqual(redirected.headers["x-amzn-errortype"], "ForbiddenException")
      const altered = yield* signedRaw(emulator.port, "POST", pathA, { body: "evil", signBody: "good" })
      assert.strictEqual(altered.status, 403)
      const fine = yield* signedRaw(emulator.port, "POST", pathA, { body: "good" })
      assert.strictEqual(fine.status, 200)
      assert.strictEqual((yield* a.socket.next).text, "good")
      assert.strictEqual(
        yield* Effect.either(b.socket.next.pipe(Effect.timeout(100))).pipe(Effect.map((e) => e._tag)),
        "Left"
      )
    }))

  it.scopedLive("malformed or missing Authorization is 403 even without configured credentials", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const { id } = yield* connectWithId(emulator)
      const path = `/local/@connections/${enc(id)}`
      assert.strictEqual((yield* raw(emulator.port, "GET", path)).status, 403)
      const garbage = yield* raw(emulator.port, "GET", path, {
        authorization: "AWS4-HMAC-SHA256 garbage",
        "x-amz-date": "20240101T000000Z"
      })
      assert.strictEqual(garbage.status, 403)
      assert.strictEqual((yield* signedRaw(emulator.port, "GET", path)).status, 200)
    }))

  it.scopedLive("presigned URLs from generatePresignedUrl work, and fail when tampered or with a wrong secret", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
      const { id } = yield* connectWithId(emulator)
      const presign = (secret: string) =>
        ApiGatewayManagementApi.generatePresignedUrl({ ClientMethod: "getConnection", Params: { ConnectionId: id } })
          .pipe(
            Effect.provide(ourClient(emulator.endpoint, { credentials: { ...CREDENTIALS, secretAccessKey: secret } }))
          )
      const url = new URL(yield* presign(CREDENTIALS.secretAccessKey))
      const ok = yield* raw(emulator.port, "GET", url.pathname + url.search)
      assert.strictEqual(ok.status, 200)
      assert.strictEqual(JSON.parse(ok.body).identity.sourceIp, "127.0.0.1")
      const deleted = yield* raw(emulator.port, "DELETE", url.pathname + url.search)
      assert.strictEqual(deleted.status, 403, "signed for GET, not DELETE")
      const bad = new URL(yield* presign("wrong"))
      assert.strictEqual((yield* raw(emulator.port, "GET", bad.pathname + bad.search)).status, 403)
    }))

  it.scopedLive("the client corrects a skewed clock after a 403 for signature time (2 attempts)", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
      const { id } = yield* connectWithId(emulator)
      const out = yield* ApiGatewayManagementApi.getConnection({ ConnectionId: id }).pipe(
        Effect.provide(
          ourClient(emulator.endpoint).pipe(Layer.provide(FixedClock.layer(Date.now() - 20 * 60_000)))
        )
      )
      assert.strictEqual(out.$metadata.attempts, 2)
      assert.strictEqual(out.Identity?.SourceIp, "127.0.0.1")
    }))

  it.scopedLive("PostToConnection answers 429 LimitExceededException while the client's send buffer is full", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ sendBufferLimit: 64 * 1024 })
      const { id, socket } = yield* connectWithId(emulator)
      socket.ws.pause() // stops reading: the kernel buffers fill, then the server's send buffer
      const chunk = "x".repeat(128 * 1024)
      const post = ApiGatewayManagementApi.postToConnection({ ConnectionId: id, Data: chunk }).pipe(
        Effect.provide(ourClient(emulator.endpoint, { maxAttempts: 1 }))
      )
      let limited: any
      for (let i = 0; i < 400 && limited === undefined; i++) {
        const result = yield* Effect.either(post)
        if (result._tag === "Left") limited = result.left
      }
      assert.isDefined(limited, "never limited")
      assert.strictEqual(limited._tag, "LimitExceededException")
      assert.strictEqual(limited.$metadata.httpStatusCode, 429)
    }))

  it.scopedLive("a GET on the stage path without an upgrade is 426; a body declared too large is 413 at once", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const upgrade = yield* raw(emulator.port, "GET", "/local")
      assert.strictEqual(upgrade.status, 426)
      const huge = yield* raw(emulator.port, "POST", "/local/@connections/abc%3D", {
        "content-length": String(10 * 1024 * 1024)
      }, "x")
      assert.strictEqual(huge.status, 413)
      assert.strictEqual(huge.headers["x-amzn-errortype"], "PayloadTooLargeException")
    }))

  it.scopedLive("with session credentials, the token must be sent and match", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: { ...CREDENTIALS, sessionToken: "token-1" } })
      const { id } = yield* connectWithId(emulator)
      const get = (sessionToken: string | undefined) =>
        ApiGatewayManagementApi.getConnection({ ConnectionId: id }).pipe(
          Effect.provide(
            ourClient(emulator.endpoint, {
              credentials: { ...CREDENTIALS, ...(sessionToken === undefined ? {} : { sessionToken }) } as any,
              maxAttempts: 1
            })
          ),
          Effect.match({ onSuccess: () => "ok", onFailure: (e) => e._tag })
        )
      assert.strictEqual(yield* get("token-1"), "ok")
      assert.strictEqual(yield* get("token-2"), "ForbiddenException")
      assert.strictEqual(yield* get(undefined), "ForbiddenException")
    }))
})
