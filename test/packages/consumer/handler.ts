// The same handler in TypeScript, typed with the emulator's event types (erased imports only, so that Node's type
// stripping can run it as well as tsx).
import type { HandlerResult, WebSocketEvent } from "@effect-apigw/emulator/Event"

export const handler = async (event: WebSocketEvent): Promise<HandlerResult> =>
  event.body === undefined ? { statusCode: 200 } : {
    statusCode: 200,
    body: JSON.stringify({ connectionId: event.requestContext.connectionId, from: "ts" })
  }
