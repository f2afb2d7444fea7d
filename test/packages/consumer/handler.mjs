// A Lambda-style handler as a user would write it in JavaScript: answers every message with its connection id.
export const handler = async (event) =>
  event.body === undefined ? { statusCode: 200 } : {
    statusCode: 200,
    body: JSON.stringify({ connectionId: event.requestContext.connectionId, from: "mjs" })
  }
