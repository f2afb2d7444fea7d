export interface AdapterOptions {
  readonly endpoint: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface Adapter {
  /** Sends one message; rejects when the call failed. */
  readonly post: (connectionId: string, data: string) => Promise<unknown>
  readonly close: () => Promise<unknown>
}
