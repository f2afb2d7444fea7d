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

/** A client could not connect, or waited too long. */
export class ClientError extends Data.TaggedError("ClientError")<{ readonly message: string }> {}

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
        const ws = new WebSocket(url, { headers: { "User-Agent": userAgent } })
        ws.on("message", (data, isBinary) => {
          const value = parse(data, isBinary)
          received.push(value)
          Queue.unsafeOffer(queue, value)
        })
        ws.once("open", () => resume(Effect.succeed(ws)))
        ws.once("unexpected-response", (_, res) => {
          resume(Effect.fail(new ClientError({ message: `${name}: handshake refused with ${res.statusCode}` })))
        })
        ws.once("error", (error) => resume(Effect.fail(new ClientError({ message: `${name}: ${error.message}` }))))
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
          onTimeout: () => new ClientError({ message: `${name}: no message within 5 seconds` })
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
