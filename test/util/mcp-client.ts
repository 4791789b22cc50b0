/**
 * A minimal MCP client for the streamable HTTP transport as the MCP Mesh Python runtime serves it:
 * JSON-RPC over `POST /mcp`, `Accept: application/json, text/event-stream` (without it the server answers 406),
 * the answer as one server-sent event (`event: message`, `data: {json}`) or plain JSON. The runtime's server is
 * stateless (no `mcp-session-id`); a session id is still sent back if a server issues one.
 */
export interface ToolResult {
  isError: boolean;
  structuredContent?: any;
  content: { type: string; text?: string }[];
}

export class McpClient {
  private sessionId?: string;
  private nextId = 1;

  constructor(readonly url: string) {}

  async request(method: string, params?: unknown, opts: { timeoutMs?: number } = {}): Promise<any> {
    const id = this.nextId++;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    const res = await fetch(this.url, {
      method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    this.sessionId = res.headers.get('mcp-session-id') ?? this.sessionId;
    const text = await res.text();
    if (!res.ok) throw new Error(`${method}: HTTP ${res.status}: ${text}`);
    const message = (res.headers.get('content-type') ?? '').startsWith('text/event-stream') ? lastSseData(text) : JSON.parse(text);
    if (message.id !== id) throw new Error(`${method}: answer for id ${message.id}, expected ${id}: ${text}`);
    if (message.error) throw new Error(`${method}: JSON-RPC error ${JSON.stringify(message.error)}`);
    return message.result;
  }

  /** initialize + notifications/initialized, as a client does before anything else. */
  async initialize(): Promise<any> {
    const result = await this.request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cdk8s-mcp-mesh-e2e', version: '0' } });
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    if (res.status !== 202 && res.status !== 200) throw new Error(`notifications/initialized: HTTP ${res.status}`);
    return result;
  }

  callTool(name: string, args: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<ToolResult> {
    return this.request('tools/call', { name, arguments: args }, opts);
  }
}

function lastSseData(text: string): any {
  const events = text.split(/\r?\n\r?\n/).map((block) => block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n')).filter(Boolean);
  if (events.length === 0) throw new Error(`no data in the event stream: ${text}`);
  return JSON.parse(events[events.length - 1]);
}
