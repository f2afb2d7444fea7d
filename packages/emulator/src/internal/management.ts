/**
 * The management API: `POST`, `GET` and `DELETE` on `/{stage}/@connections/{connectionId}`, answered as API Gateway
 * answers them (status, `x-amzn-ErrorType`, JSON body), after the body is read (bounded) and the signature checked.
 */
import * as Input from "@effect-apigw/core/Input"
import type * as Http from "node:http"
import type { Authenticate } from "./auth.js"
import * as Body from "./body.js"
import type { Registry } from "./connections.js"
import type { Log } from "./log.js"
import * as Util from "./util.js"

/** Handles an HTTP request (the server's `request` event); never throws, never rejects. */
export type OnRequest = (req: Http.IncomingMessage, res: Http.ServerResponse) => void

interface Response {
  readonly status: number
  readonly body?: unknown
  readonly errorType?: string
  readonly headers?: Record<string, string>
}

const respond = (res: Http.ServerResponse, requestId: string, response: Response) => {
  if (res.headersSent || res.destroyed) return
  const payload = response.body === undefined ? "" : JSON.stringify(response.body)
  res.writeHead(response.status, {
    "x-amzn-RequestId": requestId,
    ...(response.errorType === undefined ? {} : { "x-amzn-ErrorType": response.errorType }),
    ...(payload === "" ? {} : { "Content-Type": "application/json" }),
    "Content-Length": String(Buffer.byteLength(payload)),
    ...response.headers
  })
  res.end(payload)
}

/** @internal */
export const make = (options: {
  readonly stage: string
  readonly maxPayloadBytes: number
  readonly sendBufferLimit: number
  readonly registry: Registry
  readonly authenticate: Authenticate
  readonly log: Log
}): OnRequest => {
  const { authenticate, log, maxPayloadBytes, registry, sendBufferLimit, stage } = options

  const fail = (
    res: Http.ServerResponse,
    requestId: string,
    error: { readonly status: number; readonly errorType: string; readonly message: string },
    headers?: Record<string, string>
  ) => {
    const { errorType, message, status } = error
    log(status >= 500 ? "Error" : "Debug", `${status} ${errorType}: ${message}`, { requestId })
    respond(res, requestId, { status, body: { message }, errorType, ...(headers === undefined ? {} : { headers }) })
  }

  const handle = async (req: Http.IncomingMessage, res: Http.ServerResponse, requestId: string) => {
    const raw = req.url ?? ""
    const queryAt = raw.indexOf("?")
    const path = queryAt === -1 ? raw : raw.slice(0, queryAt)
    const query = new URLSearchParams(queryAt === -1 ? "" : raw.slice(queryAt + 1))
    const method = req.method ?? ""
    const segments = path.split("/")
    if (!path.startsWith("/") || Util.decodeSegment(segments[1] ?? "") !== stage) {
      return fail(res, requestId, {
        status: 404,
        errorType: "NotFoundException",
        message: `No stage at ${path.slice(0, 200)}`
      })
    }
    if (segments.length === 2 || (segments.length === 3 && segments[2] === "")) {
      return fail(res, requestId, {
        status: 426,
        errorType: "UpgradeRequired",
        message: "Connect to this URL with a WebSocket client"
      }, { Upgrade: "websocket" })
    }
    if (Util.decodeSegment(segments[2]) !== "@connections" || segments.length !== 4) {
      return fail(res, requestId, {
        status: 404,
        errorType: "NotFoundException",
        message: `No resource at ${path.slice(0, 200)}`
      })
    }
    const connectionId = Util.decodeSegment(segments[3])
    if (connectionId === undefined || connectionId === "" || connectionId.length > Input.MAX_CONNECTION_ID_LENGTH) {
      return fail(res, requestId, { status: 400, errorType: "BadRequestException", message: "Invalid connection id" })
    }
    if (method !== "GET" && method !== "POST" && method !== "DELETE") {
      return fail(res, requestId, {
        status: 405,
        errorType: "MethodNotAllowedException",
        message: `${method.slice(0, 20)} is not supported`
      }, { Allow: "GET, POST, DELETE" })
    }
    const body = await Body.read(req, maxPayloadBytes)
    if (body === "TooLarge") {
      return fail(res, requestId, {
        status: 413,
        errorType: "PayloadTooLargeException",
        message: `Message too long: the limit is ${maxPayloadBytes} bytes`
      }, { Connection: "close" })
    }
    const refused = await authenticate({ req, path, query, body })
    if (refused !== undefined) {
      log("Warning", `signature refused: ${refused}`, { requestId })
      return respond(res, requestId, { status: 403, body: { message: refused }, errorType: "ForbiddenException" })
    }
    const c = registry.get(connectionId)
    if (c === undefined || c.ws.readyState !== c.ws.OPEN) {
      return fail(res, requestId, {
        status: 410,
        errorType: "GoneException",
        message: `Connection ${connectionId} is gone`
      })
    }
    switch (method) {
      case "POST": {
        if (c.ws.bufferedAmount > sendBufferLimit) {
          return fail(res, requestId, {
            status: 429,
            errorType: "LimitExceededException",
            message: `The connection has ${c.ws.bufferedAmount} bytes waiting to be sent; try again later`
          })
        }
        c.ws.send(body, { binary: !Util.isText(body) })
        log("Debug", "PostToConnection", { requestId, connectionId, bytes: body.length })
        return respond(res, requestId, { status: 200 })
      }
      case "GET": {
        const { ConnectedAt, Identity, LastActiveAt } = registry.info(c)
        return respond(res, requestId, {
          status: 200,
          body: {
            connectedAt: ConnectedAt.toISOString(),
            identity: {
              sourceIp: Identity.SourceIp,
              ...(Identity.UserAgent === undefined ? {} : { userAgent: Identity.UserAgent })
            },
            lastActiveAt: LastActiveAt.toISOString()
          }
        })
      }
      case "DELETE": {
        registry.close(c, 1000, "Connection deleted")
        return respond(res, requestId, { status: 204 })
      }
    }
  }

  return (req, res) => {
    const requestId = Util.requestId()
    req.on("error", (error) => log("Debug", `request error: ${Util.describe(error)}`, { requestId }))
    res.on("error", (error) => log("Debug", `response error: ${Util.describe(error)}`, { requestId }))
    handle(req, res, requestId).catch((error) => {
      log("Error", `management request failed: ${Util.describe(error)}`)
      respond(res, Util.requestId(), {
        status: 500,
        body: { message: "Internal server error" },
        errorType: "InternalServerErrorException"
      })
    })
  }
}
