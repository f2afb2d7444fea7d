// The same handler in CommonJS.
exports.handler = async (event) =>
  event.body === undefined ? { statusCode: 200 } : {
    statusCode: 200,
    body: JSON.stringify({ connectionId: event.requestContext.connectionId, from: "cjs" })
  }
