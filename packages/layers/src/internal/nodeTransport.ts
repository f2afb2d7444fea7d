import type * as HttpTransport from "@effect-apigw/core/HttpTransport"
import * as Http from "node:http"
import * as Https from "node:https"

const EMPTY = new Uint8Array(0)

/** A transport on `node:http`/`node:https` with the given agents: one request, one callback. */
export const make = (
  agents: { readonly http: Http.Agent; readonly https: Https.Agent }
): HttpTransport.HttpTransport => ({
  send(request, callback) {
    let done = false
    const finish = (result: HttpTransport.Result) => {
      if (done) return
      done = true
      clearTimeout(timer)
      callback(result)
    }
    const https = request.protocol === "https:"
    const req = (https ? Https : Http).request({
      method: request.method,
      protocol: request.protocol,
      hostname: request.hostname,
      port: request.port,
      path: request.path,
      headers: request.headers,
      agent: https ? agents.https : agents.http
    }, (res) => {
      const status = res.statusCode ?? 0
      const declared = Number(res.headers["content-length"])
      if (declared > request.maxResponseBytes) {
        finish({ _tag: "TooLarge", status })
        req.destroy()
        return
      }
      const chunks: Array<Buffer> = []
      let size = 0
      res.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size > request.maxResponseBytes) {
          finish({ _tag: "TooLarge", status })
          req.destroy()
        } else {
          chunks.push(chunk)
        }
      })
      res.on("end", () => {
        if (!res.complete) return
        finish({
          _tag: "Response",
          status,
          headers: res.headers as Record<string, string | undefined>,
          body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
        })
      })
      res.on(
        "aborted",
        () =>
          finish({
            _tag: "Error",
            code: "ECONNRESET",
            message: "the connection closed before the response was complete"
          })
      )
      res.on(
        "error",
        (error: NodeJS.ErrnoException) => finish({ _tag: "Error", code: error.code, message: error.message })
      )
      res.on("close", () => {
        if (!res.complete) {
          finish({
            _tag: "Error",
            code: "ECONNRESET",
            message: "the connection closed before the response was complete"
          })
        }
      })
    })
    req.on(
      "error",
      (error: NodeJS.ErrnoException) => finish({ _tag: "Error", code: error.code, message: error.message })
    )
    const timer = setTimeout(() => {
      finish({ _tag: "Timeout" })
      req.destroy()
    }, request.timeoutMillis)
    req.end(request.body)
    return () => {
      done = true
      clearTimeout(timer)
      req.destroy()
    }
  }
})
