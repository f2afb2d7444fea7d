/**
 * Small helpers for the examples: real `ws` WebSocket clients as Effect resources.
 */
import { Data, Effect, Queue } from "effect"
import WebSocket from "ws"

/** A WebSocket client of the examples. */
export interface ChatClient {
  readonly name: string
  readonly ws: WebSocket
  /** Every message received so far, parsed as JSON when it is JSON. */
  readonly received: Array<unknown>
  /** Sends a value as a JSON text frame. */
  readonly send: (value: unknown) => void
  /** The next message (waits up to 5 seconds). */
  readonly next: Effect.Effect<unknown, ClientError>
  /** Resolves with the close code and reason once the socket has closed. */
  readonly closed: Effect.Effect<{ readonly code: number; readonly reason: string }, ClientError>
  readonly close: () => void
}

/** A client could not connect, or waited too long; `hint` says what to check. */
export class ClientError extends Data.TaggedError("ClientError")<{
  readonly message: string
  readonly hint?: string | undefined
}> {}

const unreachable = (url: string) => `is a gateway running at ${url}? (APIGW_WS_URL, else APIGW_ENDPOINT with wss://)`
const silent = "is the gateway running the example's chat handler? the gateway's output (or the Lambda's logs) says why"

const parse = (data: WebSocket.RawData, isBinary: boolean): unknown => {
  const text = Buffer.isBuffer(data) ? data.toString("utf8") : String(data)
  if (isBinary) return data
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Connects a client; it is closed when the scope closes. */
export const connectClient = (url: string, name: string, userAgent = `example-${name}/1.0`) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<unknown>()
    const received: Array<unknown> = []
    const ws = yield* Effect.acquireRelease(
      Effect.async<WebSocket, ClientError>((resume) => {
        let ws: WebSocket
        try {
          ws = new WebSocket(url, { headers: { "User-Agent": userAgent } })
        } catch (error) {
          const message = `${name}: cannot connect to ${url}: ${(error as Error).message}`
          return resume(Effect.fail(new ClientError({ message, hint: "check APIGW_WS_URL and APIGW_ENDPOINT" })))
        }
        ws.on("message", (data, isBinary) => {
          const value = parse(data, isBinary)
          received.push(value)
          Queue.unsafeOffer(queue, value)
        })
        ws.once("open", () => resume(Effect.succeed(ws)))
        ws.once("unexpected-response", (_, res) => {
          const message = `${name}: the gateway refused the WebSocket handshake with HTTP ${res.statusCode}`
          resume(Effect.fail(new ClientError({ message, hint: `check the $connect route; ${unreachable(url)}` })))
        })
        ws.on("error", (error) => {
          const message = `${name}: cannot connect to ${url}: ${error.message}`
          resume(Effect.fail(new ClientError({ message, hint: unreachable(url) })))
        })
      }),
      (ws) => Effect.sync(() => ws.terminate())
    )
    const closedPromise = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }))
    )
    const client: ChatClient = {
      name,
      ws,
      received,
      send: (value) => ws.send(JSON.stringify(value)),
      next: Queue.take(queue).pipe(
        Effect.timeoutFail({
          duration: "5 seconds",
          onTimeout: () => new ClientError({ message: `${name}: no message within 5 seconds`, hint: silent })
        })
      ),
      closed: Effect.promise(() => closedPromise).pipe(
        Effect.timeoutFail({
          duration: "5 seconds",
          onTimeout: () => new ClientError({ message: `${name}: still open after 5 seconds` })
        })
      ),
      close: () => ws.close()
    }
    return client
  })
