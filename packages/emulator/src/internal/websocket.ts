/**
 * The WebSocket side: upgrades on the stage path, the handshake `$connect` may refuse, and each frame of a client to
 * its route, with the route response (or error reply) sent back while the client reads.
 */
import type * as Http from "node:http"
import { STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"
import { type RawData, WebSocketServer } from "ws"
import * as Connections from "./connections.js"
import type { Events } from "./events.js"
import type { Invoker } from "./invoke.js"
import type { Log } from "./log.js"
import type { Router } from "./routes.js"
import * as Util from "./util.js"

/** The WebSocket endpoint of the stage. */
export interface WebSockets {
  /** Handles an HTTP upgrade request (the server's `upgrade` event). */
  readonly onUpgrade: (req: Http.IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Refuses every handshake from now on, those under way included (at shutdown). */
  readonly stopAccepting: () => void
}

const rejectUpgrade = (socket: Duplex, status: number, message: string) => {
  if (socket.writable) {
    const body = JSON.stringify({ message })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
  }
  socket.destroy()
}

const headerValue = (value: string | Array<string> | undefined): string | undefined =>
  Array.isArray(value) ? value.join(", ") : value

const bytesOf = (data: RawData): Buffer =>
  Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)

/** @internal */
export const make = <R>(options: {
  readonly stage: string
  readonly maxMessageBytes: number
  readonly log: Log
  readonly now: () => number
  readonly registry: Connections.Registry
  readonly router: Router<R>
  readonly events: Events
  readonly invoker: Invoker<R>
}): WebSockets => {
  const { events, invoker, log, now, registry, router, stage } = options
  /** The clients of the handshakes under way, by their upgrade request. */
  const pending = new WeakMap<Http.IncomingMessage, Connections.Pending>()
  let accepting = true

  const sendError = (c: Connections.Connection, message: string, requestId: string) => {
    if (registry.mayQueue(c, "an error reply")) c.ws.send(JSON.stringify({ message, connectionId: c.id, requestId }))
  }

  const onMessage = (c: Connections.Connection, data: RawData, isBinary: boolean) => {
    registry.touch(c)
    const bytes = bytesOf(data)
    const body = isBinary ? bytes.toString("base64") : bytes.toString("utf8")
    const routeKey = router.routeOf(body, isBinary)
    const event = events.message(c, { routeKey, time: c.lastActiveAt, body, isBase64Encoded: isBinary })
    const { requestId } = event.requestContext
    const handler = router.handlerFor(routeKey)
    log("Debug", "message", { connectionId: c.id, routeKey, bytes: bytes.length })
    if (handler === undefined) {
      log("Warning", "no route matches the message and there is no $default route", { connectionId: c.id })
      return sendError(c, "Forbidden", requestId)
    }
    // Handlers still running are work queued for this client: past the limit, stop reading from it.
    const weight = Connections.admit(c, bytes.length)
    invoker.run(handler, event, (outcome) => {
      Connections.release(c, weight)
      if (outcome._tag === "Failed") return sendError(c, outcome.message, requestId)
      const result = outcome.result
      if (result?.body === undefined || !registry.mayQueue(c, "a route response")) return
      if (result.isBase64Encoded) c.ws.send(Buffer.from(result.body, "base64"), { binary: true })
      else c.ws.send(result.body, { binary: false })
    })
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    // Pongs are sent by the emulator, only while the client reads (see `mayQueue`).
    autoPong: false,
    // Runs `$connect` once `ws` has validated the handshake; a non-2xx result rejects it.
    verifyClient: ({ req }, callback) => {
      const p = pending.get(req)
      if (p === undefined || !accepting) return callback(false, 503, "Service Unavailable")
      const handler = router.handlerFor("$connect")
      if (handler === undefined) return callback(true)
      // `run` answers exactly once: with the result, a failure, a time-out, or 503 at shutdown.
      invoker.run(handler, events.connect(p, req), (outcome) => {
        if (outcome._tag === "Failed") return callback(false, outcome.status, outcome.message)
        const status = outcome.result?.statusCode ?? 200
        if (status >= 200 && status < 300) return callback(true)
        log("Info", `$connect answered ${status}: handshake rejected`, { connectionId: p.id })
        callback(false, status >= 400 && status < 600 ? status : 403, outcome.result?.body ?? "Forbidden")
      })
    }
  })
  wss.on("error", (error) => log("Error", `WebSocket server error: ${Util.describe(error)}`))

  const onUpgrade: WebSockets["onUpgrade"] = (req, socket, head) => {
    socket.on("error", (error) => log("Debug", `upgrade socket error: ${Util.describe(error)}`))
    const path = (req.url ?? "").split("?")[0]
    if (path !== `/${stage}` && path !== `/${stage}/`) {
      log("Warning", `WebSocket upgrade for unknown path ${path.slice(0, 200)}`)
      return rejectUpgrade(socket, 404, "Not Found")
    }
    if (!accepting) return rejectUpgrade(socket, 503, "Service Unavailable")
    const p: Connections.Pending = {
      id: Util.connectionId(),
      connectedAt: now(),
      sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
      userAgent: headerValue(req.headers["user-agent"])
    }
    pending.set(req, p)
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (!accepting) return ws.terminate()
        const c = registry.add(p, ws)
        ws.on("message", (data, isBinary) => onMessage(c, data, isBinary))
        ws.on("ping", (data) => {
          registry.touch(c)
          if (registry.mayQueue(c, "a pong")) ws.pong(data)
        })
        ws.on(
          "error",
          (error) =>
            log("Warning", `bad frame from client, socket closed: ${Util.describe(error)}`, { connectionId: c.id })
        )
        ws.on("close", (code, reason) => registry.finish(c, code, reason.toString("utf8")))
      })
    } catch (error) {
      log("Error", `upgrade failed: ${Util.describe(error)}`)
      socket.destroy()
    }
  }

  return {
    onUpgrade,
    stopAccepting: () => {
      accepting = false
    }
  }
}
