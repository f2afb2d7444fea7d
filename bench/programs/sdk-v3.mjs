import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi"

const client = new ApiGatewayManagementApiClient({
  endpoint: process.env.APIGW_ENDPOINT,
  region: "us-east-1",
  credentials: { accessKeyId: "AKID", secretAccessKey: "secret" }
})
await client.send(new PostToConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "hello" }))
console.log("done")
process.exit(0)
