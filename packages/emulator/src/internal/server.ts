/**
 * The HTTP server both endpoints share: management requests and WebSocket upgrades on one port.
 */
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import type { Duplex } from "node:stream"
import type { Log } from "./log.js"
import * as Util from "./util.js"

/** Where the server listens. */
export interface Address {
  readonly host: string
  readonly port: number
}

/** @internal */
export const make = (options: {
  readonly log: Log
  readonly onRequest: (req: Http.IncomingMessage, res: Http.ServerResponse) => void
  readonly onUpgrade: (req: Http.IncomingMessage, socket: Duplex, head: Buffer) => void
}): Http.Server => {
  const { log } = options
  const server = Http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000, headersTimeout: 10_000 })
  server.on("request", options.onRequest)
  server.on("upgrade", options.onUpgrade)
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    log("Warning", `malformed HTTP request: ${error.code ?? Util.describe(error)}`)
    if (socket.writable && error.code !== "ECONNRESET") {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    }
    socket.destroy()
  })
  return server
}

/**
 * Listens on `host:port`, failing with what `listen` threw. `onListening` runs with the bound address before any
 * client can connect.
 *
 * @internal
 */
export const listen = (server: Http.Server, options: {
  readonly host: string
  readonly port: number
  readonly log: Log
  readonly onListening: (address: Address) => void
}): Effect.Effect<Address, unknown> =>
  Effect.async<Address, unknown>((resume) => {
    const { host, log, port } = options
    const onError = (cause: unknown) => resume(Effect.fail(cause))
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      server.on("error", (error) => log("Error", `server error: ${Util.describe(error)}`))
      const a = server.address()
      const bound = typeof a === "object" && a !== null ? { host: a.address, port: a.port } : { host, port }
      options.onListening(bound)
      resume(Effect.succeed(bound))
    })
  })

/** Stops the server: no new connections, the open ones cut; resolves when closed or after `millis`. */
export const close = (server: Http.Server, millis: number): Promise<void> =>
  Util.settledWithin(
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
    millis
  )
