// The broadcast benchmark's audience: N WebSocket clients (the `ws` package) in their own process. Prints `open N`
// once all are connected, then `received K at EPOCH_MS` each time every client has received one more message.
import WebSocket from "ws"

const [url, countArg, parallelArg] = process.argv.slice(2)
const count = Number(countArg)
const parallel = Number(parallelArg ?? 200)
const sockets = []
let received = 0
let round = 0

const open = () =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.on("open", () => resolve(ws))
    ws.on("error", reject)
    ws.on("message", () => {
      received++
      if (received === count * (round + 1)) {
        round++
        process.stdout.write(`received ${round} at ${Date.now()}\n`)
      }
    })
  })

let next = 0
await Promise.all(Array.from({ length: parallel }, async () => {
  while (next < count) {
    next++
    sockets.push(await open())
  }
}))
process.stdout.write(`open ${sockets.length}\n`)
process.stdin.on("end", () => process.exit(0))
process.stdin.resume()
