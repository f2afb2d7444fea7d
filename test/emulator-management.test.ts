/**
 * The management API of the emulator, driven by both our client and the AWS SDK v3 client, over real sockets with
 * real `ws` clients.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { drivers } from "../packages/emulator/test/drivers.js"
import { connectWithId, CREDENTIALS, eventually, quietEmulator } from "../packages/emulator/test/utils.js"

const ID_STYLE = /^[A-Za-z0-9+/]{15}=$/

describe.each(drivers)("management API with the $name", (driver) => {
  it.scopedLive("PostToConnection delivers a UTF-8 body as one text frame, byte for byte", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const { id, socket } = yield* connectWithId(emulator)
      const text = "héllo, 世界 🌍 {\"a\":1}"
      const out = yield* driver.post(emulator.endpoint, id, text)
      assert.deepStrictEqual(out.ok && out.status, 200)
      const message = yield* socket.next
      assert.isFalse(message.isBinary)
      assert.strictEqual(message.text, text)
      assert.deepStrictEqual([...message.data], [...Buffer.from(text, "utf8")])
    }))

  it.scopedLive("PostToConnection delivers bytes that are not UTF-8 as one binary frame, byte for byte", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const { id, socket } = yield* connectWithId(emulator)
      const bytes = new Uint8Array([0xff, 0x00, 0xc3, 0x28, 0x80, 0x41])
      const out = yield* driver.post(emulator.endpoint, id, bytes)
      assert.isTrue(out.ok)
      const message = yield* socket.next
      assert.isTrue(message.isBinary)
      assert.deepStrictEqual([...message.data], [...bytes])
    }))

  it.scopedLive("PostToConnection accepts exactly 131072 bytes and answers 413 PayloadTooLargeException above", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const { id, socket } = yield* connectWithId(emulator)
      const ok = yield* driver.post(emulator.endpoint, id, "a".repeat(131072))
      assert.isTrue(ok.ok)
      assert.strictEqual((yield* socket.next).data.length, 131072)
      const tooBig = yield* driver.post(emulator.endpoint, id, "a".repeat(131073))
      assert.deepStrictEqual(tooBig, { ok: false, tag: "PayloadTooLargeException", status: 413 })
    }))

  it.scopedLive("GetConnection reports the socket's connect time, last activity, source IP and user agent", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const before = Date.now()
      const { id, socket } = yield* connectWithId(emulator, { headers: { "User-Agent": "test-agent/1.0" } })
      const after = Date.now()
      const first = yield* driver.get(emulator.endpoint, id)
      assert.isTrue(first.ok)
      const v = (first as any).value
      assert.strictEqual(v.Identity.SourceIp, "127.0.0.1")
      assert.strictEqual(v.Identity.UserAgent, "test-agent/1.0")
      assert.instanceOf(v.ConnectedAt, Date)
      assert.isTrue(v.ConnectedAt.getTime() >= before - 1 && v.ConnectedAt.getTime() <= after + 1)
      assert.strictEqual(v.LastActiveAt.getTime(), v.ConnectedAt.getTime())
      yield* Effect.sleep(30)
      yield* socket.send("ping")
      yield* eventually(
        Effect.map(emulator.getConnection(id), (c) => c._tag === "Some" && c.value.LastActiveAt > v.ConnectedAt),
        "activity recorded"
      )
      const second = yield* driver.get(emulator.endpoint, id)
      assert.isTrue((second as any).value.LastActiveAt.getTime() > v.ConnectedAt.getTime())
      assert.strictEqual((second as any).value.ConnectedAt.getTime(), v.ConnectedAt.getTime())
    }))

  it.scopedLive("DeleteConnection answers 204, closes the socket and runs $disconnect", () =>
    Effect.gen(function*() {
      const disconnects: Array<{ id: string; code: number | undefined }> = []
      const emulator = yield* quietEmulator({
        routes: {
          $disconnect: (event) => {
            disconnects.push({
              id: event.requestContext.connectionId,
              code: event.requestContext.disconnectStatusCode
            })
          }
        }
      })
      const { id, socket } = yield* connectWithId(emulator)
      const out = yield* driver.delete(emulator.endpoint, id)
      assert.deepStrictEqual(out.ok && out.status, 204)
      const closed = yield* socket.closed
      assert.strictEqual(closed.code, 1000)
      yield* eventually(Effect.sync(() => disconnects.length === 1), "$disconnect")
      assert.deepStrictEqual(disconnects, [{ id, code: 1000 }])
      assert.deepStrictEqual(yield* driver.get(emulator.endpoint, id), { ok: false, tag: "GoneException", status: 410 })
    }))

  it.scopedLive("unknown and closed connection ids are 410 GoneException for every operation", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const gone = { ok: false, tag: "GoneException", status: 410 } as const
      assert.deepStrictEqual(yield* driver.post(emulator.endpoint, "NoSuchConnId0=", "x"), gone)
      assert.deepStrictEqual(yield* driver.get(emulator.endpoint, "NoSuchConnId0=", {}), gone)
      assert.deepStrictEqual(yield* driver.delete(emulator.endpoint, "NoSuchConnId0="), gone)
      const { id, socket } = yield* connectWithId(emulator)
      socket.ws.close()
      yield* socket.closed
      yield* eventually(Effect.map(emulator.connections, (cs) => cs.length === 0), "closed")
      assert.deepStrictEqual(yield* driver.post(emulator.endpoint, id, "x"), gone)
      assert.deepStrictEqual(yield* driver.get(emulator.endpoint, id), gone)
    }))

  it.scopedLive("with credentials configured, a valid signature is accepted and a wrong key, secret or region is 403", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ credentials: CREDENTIALS })
      const { id } = yield* connectWithId(emulator)
      assert.isTrue((yield* driver.post(emulator.endpoint, id, "signed")).ok)
      const forbidden = { ok: false, tag: "ForbiddenException", status: 403 } as const
      const wrongKey = { credentials: { ...CREDENTIALS, accessKeyId: "AKIDWRONG" } }
      const wrongSecret = { credentials: { ...CREDENTIALS, secretAccessKey: "wrong" } }
      assert.deepStrictEqual(yield* driver.post(emulator.endpoint, id, "x", wrongKey), forbidden)
      assert.deepStrictEqual(yield* driver.get(emulator.endpoint, id, wrongSecret), forbidden)
      assert.deepStrictEqual(yield* driver.delete(emulator.endpoint, id, { region: "eu-west-1" }), forbidden)
      assert.isTrue((yield* driver.get(emulator.endpoint, id)).ok, "the connection survived the refused delete")
    }))

  it.scopedLive("without credentials configured, any well-formed signature is accepted", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const { id, socket } = yield* connectWithId(emulator)
      const out = yield* driver.post(emulator.endpoint, id, "anyone", {
        credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "whatever" },
        region: "ap-southeast-2"
      })
      assert.isTrue(out.ok)
      assert.strictEqual((yield* socket.next).text, "anyone")
    }))

  it.scopedLive("connection ids look like API Gateway's, are unique, and ids with / + = work through the client", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const ids = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const { id, socket } = yield* connectWithId(emulator)
        assert.match(id, ID_STYLE)
        ids.add(id)
        if (/[/+]/.test(id)) {
          assert.isTrue((yield* driver.post(emulator.endpoint, id, "special")).ok)
          assert.strictEqual((yield* socket.next).text, "special")
        }
      }
      assert.strictEqual(ids.size, 20)
    }))
})
