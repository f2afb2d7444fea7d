// aws-lite with its API Gateway management plugin; keep-alive on (its default only inside AWS).
import apigw from "@aws-lite/apigatewaymanagementapi"
import awsLite from "@aws-lite/client"

export const make = async ({ endpoint, region, accessKeyId, secretAccessKey }) => {
  const aws = await awsLite({ region, accessKeyId, secretAccessKey, keepAlive: true, plugins: [apigw] })
  return {
    post: (ConnectionId, Data) =>
      aws.ApiGatewayManagementApi.PostToConnection({ ApiUrl: endpoint, ConnectionId, Data }),
    close: async () => {}
  }
}
