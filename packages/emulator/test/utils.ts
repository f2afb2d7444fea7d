import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi"
import { ApiGatewayManagementApi, SigV4 } from "@effect-apigw/core"
import { Emulator } from "@effect-apigw/emulator"
import { Credentials, Http } from "@effect-apigw/layers"
import { Data, Effect, Layer, Logger, LogLevel, Queue, Redacted } from "effect"
import * as NodeHttp from "node:http"
import WebSocket from "ws"

export const CREDENTIALS = { accessKeyId: "AKIDEMULATORTEST", secretAccessKey: "emulator-test-secret" } as const

export class TestError extends Data.TaggedError("TestError")<{ readonly message: string }> {}

/** A real `ws` client with its messages in a queue. */
export interface TestSocket {
  readonly ws: WebSocket
  readonly next: Effect.Effect<{ readonly data: Buffer; readonly isBinary: boolean; readonly text: string }, TestError>
  readonly nextJson: Effect.Effect<any, TestError>
  readonly closed: Effect.Effect<{ readonly code: number; readonly reason: string }, TestError>
  readonly send: (data: string | Buffer, options?: { binary?: boolean }) => Effect.Effect<void>
}

const timeout = <A, E, R>(self: Effect.Effect<A, E, R>, what: string, millis = 3000) =>
  Effect.timeoutFail(self, { duration: millis, onTimeout: () => new TestError({ message: `timed out: ${what}` }) })

/** Connects a client; fails with the handshake status when the server refuses. Terminated with the scope. */
export const connect = (url: string, options: { headers?: Record<string, string> } = {}) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<{ data: Buffer; isBinary: boolean; text: string }>()
    const ws = yield* Effect.acquireRelease(
      Effect.async<WebSocket, TestError>((resume) => {
        const ws = new WebSocket(url, { headers: options.headers ?? {} })
        ws.on("message", (data, isBinary) => {
          const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Array<Buffer>)
          Queue.unsafeOffer(queue, { data: bytes, isBinary, text: bytes.toString("utf8") })
        })
        ws.once("open", () => resume(Effect.succeed(ws)))
        ws.once("unexpected-response", (_req, res) => {
          let body = ""
          res.on("data", (c) => body += c)
          res.on("end", () => resume(Effect.fail(new TestError({ message: `handshake ${res.statusCode} ${body}` }))))
        })
        ws.once("error", (e) => resume(Effect.fail(new TestError({ message: `error ${e.message}` }))))
      }),
      (ws) => Effect.sync(() => ws.terminate())
    )
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }))
    )
    const socket: TestSocket = {
      ws,
      next: timeout(Queue.take(queue), "message"),
      nextJson: timeout(Effect.map(Queue.take(queue), (m) => JSON.parse(m.text)), "message"),
      closed: timeout(Effect.promise(() => closed), "close", 5000),
      send: (data, o) => Effect.async<void>((resume) => ws.send(data, o ?? {}, () => resume(Effect.void)))
    }
    return socket
  })

/** Connects and returns the socket with its connection id (the emulator's newest connection). */
export const connectWithId = (emulator: Emulator.EmulatorService, options: { headers?: Record<string, string> } = {}) =>
  Effect.gen(function*() {
    const before = new Set((yield* emulator.connections).map((c) => c.ConnectionId))
    const socket = yield* connect(emulator.url, options)
    const after = yield* emulator.connections
    const id = after.map((c) => c.ConnectionId).find((id) => !before.has(id))
    if (id === undefined) return yield* new TestError({ message: "no new connection" })
    return { socket, id }
  })

/** Our client against an emulator. */
export const ourClient = (
  endpoint: string,
  options:
    & { credentials?: { accessKeyId: string; secretAccessKey: string }; region?: string }
    & Partial<
      ApiGatewayManagementApi.Options
    > = {}
) => {
  const { credentials = CREDENTIALS, region = "us-east-1", ...rest } = options
  return ApiGatewayManagementApi.layer({ endpoint, region, ...rest }).pipe(
    Layer.provide([Credentials.layerStatic(credentials), Http.layer])
  )
}

/** The AWS SDK v3 client against an emulator. */
export const sdkClient = (
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = CREDENTIALS,
  region = "us-east-1"
) => new ApiGatewayManagementApiClient({ endpoint, region, credentials, maxAttempts: 1 })

export interface RawResponse {
  readonly status: number
  readonly headers: NodeHttp.IncomingHttpHeaders
  readonly body: string
}

/** A raw HTTP request with the exact path given. */
export const raw = (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Uint8Array
) =>
  Effect.async<RawResponse, TestError>((resume) => {
    const req = NodeHttp.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c) => chunks.push(c))
      res.on("end", () =>
        resume(
          Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() })
        ))
    })
    req.on("error", (e) => resume(Effect.fail(new TestError({ message: e.message }))))
    req.end(body)
  })

/** A raw request signed with our SigV4 signer (optionally at another time or for another path/body). */
export const signedRaw = (
  port: number,
  method: string,
  path: string,
  options: {
    credentials?: { accessKeyId: string; secretAccessKey: string }
    region?: string
    time?: number
    body?: string
    signPath?: string
    signBody?: string
  } = {}
) =>
  Effect.gen(function*() {
    const credentials = options.credentials ?? CREDENTIALS
    const host = `127.0.0.1:${port}`
    const headers: Record<string, string> = { host }
    if (options.body !== undefined) {
      headers["content-type"] = "application/octet-stream"
      headers["content-length"] = String(Buffer.byteLength(options.body))
    }
    const signed = yield* Effect.promise(() =>
      SigV4.sign({
        method,
        hostname: "127.0.0.1",
        path: options.signPath ?? path,
        headers,
        body: options.signBody ?? options.body
      }, {
        credentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: Redacted.make(credentials.secretAccessKey)
        },
        region: options.region ?? "us-east-1",
        time: options.time ?? Date.now()
      })
    )
    return yield* raw(port, method, path, signed, options.body)
  })

/** Polls until `check` holds (at most 3 s). */
export const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 300; i++) {
      if (yield* check) return
      yield* Effect.sleep(10)
    }
    return yield* new TestError({ message: `never happened: ${what}` })
  })

/** An emulator whose logs are silenced (tests that check logging provide their own logger). */
export const quietEmulator = <R = never>(options: Emulator.Options<R> = {}) =>
  Emulator.make(options).pipe(Logger.withMinimumLogLevel(LogLevel.None))
