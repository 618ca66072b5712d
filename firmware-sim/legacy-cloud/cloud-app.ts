// The CloudPets app's side of the legacy cloud, as the 2017 app used it: sign up with an e-mail
// and any password, register the child, add "friends", upload voice messages as plain audio,
// list a child's messages and download each from its public URL (the bucket asks for nothing).
// Used by the attack suite and by `plushlink demo` (never by a product path).
export interface LegacyMessage {
  readonly id: number;
  readonly from: number;
  readonly direction: 'to-child' | 'from-child';
  readonly url: string;
}

export class CloudPetsCloudApp {
  private constructor(
    readonly apiUrl: string,
    readonly accountId: number,
    private readonly token: string,
  ) {}

  static async signUp(apiUrl: string, email: string, password: string, name: string): Promise<CloudPetsCloudApp> {
    const { accountId, token } = await call<{ accountId: number; token: string }>(apiUrl, 'POST', '/v1/signup', { email, password, name });
    return new CloudPetsCloudApp(apiUrl, accountId, token);
  }

  /** The app's first screen: nothing works without the company's servers. */
  static async logIn(apiUrl: string, email: string, password: string): Promise<CloudPetsCloudApp> {
    const { accountId, token } = await call<{ accountId: number; token: string }>(apiUrl, 'POST', '/v1/login', { email, password });
    return new CloudPetsCloudApp(apiUrl, accountId, token);
  }

  async addChild(name: string, birthdate: string, toyModel: string): Promise<number> {
    return (await call<{ childId: number }>(this.apiUrl, 'POST', '/v1/children', { name, birthdate, toyModel }, this.token)).childId;
  }

  async addRelation(childId: number, email: string, relation: string): Promise<void> {
    await call(this.apiUrl, 'POST', `/v1/children/${childId}/relationships`, { email, relation }, this.token);
  }

  async sendVoice(childId: number, ogg: Uint8Array, direction: LegacyMessage['direction'] = 'to-child'): Promise<{ messageId: number; url: string }> {
    return call(this.apiUrl, 'POST', `/v1/children/${childId}/messages?direction=${direction}`, Buffer.from(ogg), this.token);
  }

  async messages(childId: number): Promise<LegacyMessage[]> {
    return (await call<{ messages: LegacyMessage[] }>(this.apiUrl, 'GET', `/v1/children/${childId}/messages`, undefined, this.token)).messages;
  }

  /** Downloads a message's audio from its URL, as the app played it. */
  static async download(url: string): Promise<Buffer> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }
}

async function call<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined;
  if (Buffer.isBuffer(body)) {
    headers['content-type'] = 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, ...(payload !== undefined && { body: payload }) });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${answer.error ?? ''}`.trim());
  return answer;
}
