// AWS SDK for JavaScript v3 with its defaults (node-http-handler, keep-alive agent).
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi"

export const make = async ({ endpoint, region, accessKeyId, secretAccessKey }) => {
  const client = new ApiGatewayManagementApiClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey } })
  return {
    post: (ConnectionId, Data) => client.send(new PostToConnectionCommand({ ConnectionId, Data })),
    close: async () => client.destroy()
  }
}
