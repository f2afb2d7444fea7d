// The floor: unsigned node:http POSTs over a keep-alive agent. No client does less.
import { Agent, request } from "node:http"

export const make = async ({ endpoint }) => {
  const url = new URL(endpoint)
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 })
  const base = `${url.pathname.replace(/\/$/, "")}/@connections/`
  return {
    post: (connectionId, data) => send(agent, url, base + encodeURIComponent(connectionId), {}, data),
    close: async () => agent.destroy()
  }
}

export const send = (agent, url, path, headers, data) =>
  new Promise((resolve, reject) => {
    const body = typeof data === "string" ? Buffer.from(data) : data
    const req = request({
      agent,
      hostname: url.hostname,
      port: url.port,
      method: "POST",
      path,
      headers: { ...headers, "content-type": "application/octet-stream", "content-length": body.length }
    }, (res) => {
      res.on("data", () => {})
      res.on("end", () => res.statusCode === 200 ? resolve(undefined) : reject(new Error(`status ${res.statusCode}`)))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })
