/**
 * Nothing a client sends stops the emulator: bad paths, methods and ids, garbage bytes, huge and invalid frames.
 * Every case ends with the emulator still serving, and the bad ones are logged.
 */
import { Emulator } from "@effect-apigw/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import * as Net from "node:net"
import { connect, connectWithId, quietEmulator, raw, signedRaw, TestError } from "./utils.js"

/** Sends raw bytes over TCP and resolves with everything the server answers before it closes (or 1 s). */
const tcp = (port: number, bytes: string | Buffer) =>
  Effect.async<string, TestError>((resume) => {
    const socket = Net.connect(port, "127.0.0.1", () => socket.write(bytes))
    const chunks: Array<Buffer> = []
    socket.on("data", (c) => chunks.push(c))
    const done = () => resume(Effect.succeed(Buffer.concat(chunks).toString("latin1")))
    socket.on("close", done)
    socket.on("error", () => undefined)
    setTimeout(() => {
      socket.destroy()
      done()
    }, 1000)
  })

/** Still serving: a fresh client connects and gets a management answer. */
const stillServing = (emulator: Emulator.EmulatorService) =>
  Effect.gen(function*() {
    const { id } = yield* connectWithId(emulator)
    const response = yield* signedRaw(emulator.port, "GET", `/${emulator.stage}/@connections/${encodeURIComponent(id)}`)
    assert.strictEqual(response.status, 200)
  })

const handshake = (path: string, extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`

describe("robustness", () => {
  it.scopedLive("unknown paths are 404, unknown methods 405, malformed ids 400, other stages 404", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const cases: Array<[string, string, number, string]> = [
        ["GET", "/", 404, "NotFoundException"],
        ["GET", "/prod/@connections/abc%3D", 404, "NotFoundException"],
        ["GET", "/local/other/abc", 404, "NotFoundException"],
        ["GET", "/local/@connections/abc/extra", 404, "NotFoundException"],
        ["GET", "/local/@connections", 404, "NotFoundException"],
        ["PUT", "/local/@connections/abc%3D", 405, "MethodNotAllowedException"],
        ["PATCH", "/local/@connections/abc%3D", 405, "MethodNotAllowedException"],
        ["GET", "/local/@connections/%ZZ", 400, "BadRequestException"],
        ["GET", "/local/@connections/%C3%28", 400, "BadRequestException"],
        ["GET", "/local/@connections/", 400, "BadRequestException"],
        ["GET", `/local/@connections/${"a".repeat(2000)}`, 400, "BadRequestException"],
        ["GET", "/local/../local/@connections/abc", 404, "NotFoundException"]
      ]
      for (const [method, path, status, type] of cases) {
        const response = yield* raw(emulator.port, method, path)
        assert.strictEqual(response.status, status, `${method} ${path}`)
        assert.strictEqual(response.headers["x-amzn-errortype"], type, `${method} ${path}`)
        assert.isString(JSON.parse(response.body).message)
      }
      assert.strictEqual((yield* raw(emulator.port, "PUT", "/local/@connections/a")).headers.allow, "GET, POST, DELETE")
      yield* stillServing(emulator)
    }))

  it.scopedLive("WebSocket upgrades to another path are refused with 404", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const refused = yield* Effect.flip(connect(emulator.url.replace("/local", "/prod")))
      assert.match(refused.message, /^handshake 404/)
      const refusedDeep = yield* Effect.flip(connect(`${emulator.url}/@connections/x`))
      assert.match(refusedDeep.message, /^handshake 404/)
      yield* stillServing(emulator)
    }))

  it.scopedLive("garbage bytes and broken handshakes get 400 and a closed socket", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator()
      const garbage = yield* tcp(
        emulator.port,
        Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a])
      )
      assert.match(garbage, /^HTTP\/1\.1 400/)
      const badHeader = yield* tcp(emulator.port, "GET /local HTTP/1.1\r\nHo st: x\r\n\r\n")
      assert.match(badHeader, /^HTTP\/1\.1 400/)
      const badVersion = yield* tcp(emulator.port, handshake("/local").replace("Version: 13", "Version: 99"))
      assert.match(badVersion, /^HTTP\/1\.1 400/)
      yield* stillServing(emulator)
    }))

  it.scopedLive("a message over the size limit closes the socket with 1009", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({ maxMessageBytes: 1024, routes: { $default: () => ({ body: "ok" }) } })
      const { socket } = yield* connectWithId(emulator)
      yield* socket.send("x".repeat(1024))
      assert.strictEqual((yield* socket.next).text, "ok")
      socket.ws.send("x".repeat(1025))
      assert.strictEqual((yield* socket.closed).code, 1009)
      yield* stillServing(emulator)
    }))

  it.scopedLive("invalid frames (bad opcode, unmasked, invalid UTF-8 text) close the socket; the server stays up", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => logs.push(String(message)))
      const emulator = yield* Emulator.make().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      const mask = Buffer.from([1, 2, 3, 4])
      const masked = (opcode: number, payload: Buffer) =>
        Buffer.concat([
          Buffer.from([0x80 | opcode, 0x80 | payload.length]),
          mask,
          Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))
        ])
      const frames = [
        masked(0x3, Buffer.from("reserved opcode")),
        Buffer.from([0x81, 0x02, 0x68, 0x69]), // unmasked client frame
        masked(0x1, Buffer.from([0xc3, 0x28])), // invalid UTF-8 in a text frame
        Buffer.from([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) // 2^64-1 byte frame
      ]
      for (const frame of frames) {
        const answer = yield* tcp(emulator.port, Buffer.concat([Buffer.from(handshake("/local")), frame]))
        assert.match(answer, /^HTTP\/1\.1 101/)
        assert.match(answer, /\x88/, "a close frame was sent")
      }
      assert.isTrue(logs.some((m) => m.includes("bad frame")), logs.join("\n"))
      yield* stillServing(emulator)
    }))

  it.scopedLive("a client that disconnects in the middle of a request or handshake does not hurt", () =>
    Effect.gen(function*() {
      const emulator = yield* quietEmulator({
        routes: { $connect: () => Effect.as(Effect.sleep(100), { statusCode: 200 }) }
      })
      yield* Effect.forEach([
        "POST /local/@connections/abc%3D HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial",
        handshake("/local"),
        "GET /local/@conn"
      ], (bytes) =>
        Effect.async<void>((resume) => {
          const socket = Net.connect(emulator.port, "127.0.0.1", () => {
            socket.write(bytes)
            setTimeout(() => {
              socket.destroy()
              resume(Effect.void)
            }, 20)
          })
          socket.on("error", () => undefined)
        }))
      yield* Effect.sleep(150)
      assert.strictEqual((yield* emulator.connections).length, 0)
      yield* stillServing(emulator)
    }))
})
