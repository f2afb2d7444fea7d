import apigw from "@aws-lite/apigatewaymanagementapi"
import awsLite from "@aws-lite/client"

const aws = await awsLite({ region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "secret", plugins: [apigw] })
await aws.ApiGatewayManagementApi.PostToConnection({
  ApiUrl: process.env.APIGW_ENDPOINT,
  ConnectionId: "L0SM9cOFvHcCIhw=",
  Data: "hello"
})
console.log("done")
process.exit(0)
