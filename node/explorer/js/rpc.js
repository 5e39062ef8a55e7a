// A JSON-RPC 2.0 client over one WebSocket to the node: calls, subscriptions, and a
// reconnect when the node restarts.

const RECONNECT_MS = 1000;

export class Rpc {
  /** `onStatus(text, connected)` hears of the connection going up and down. */
  constructor(url, onStatus) {
    this.url = url;
    this.onStatus = onStatus;
    this.nextId = 1;
    this.pending = new Map();
    this.subscriptions = new Map();
    this.wanted = [];
    this.queue = [];
    this.open();
  }

  open() {
    this.socket = new WebSocket(this.url);
    this.socket.addEventListener('open', () => {
      this.onStatus(`connected to ${this.url}`, true);
      for (const message of this.queue.splice(0)) this.socket.send(message);
      for (const wanted of this.wanted) this.resubscribe(wanted);
    });
    this.socket.addEventListener('message', (event) => this.receive(event.data));
    this.socket.addEventListener('close', () => {
      this.onStatus(`disconnected from ${this.url}; retrying`, false);
      for (const { reject } of this.pending.values()) reject(new Error('the connection to the node closed'));
      this.pending.clear();
      this.subscriptions.clear();
      setTimeout(() => this.open(), RECONNECT_MS);
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.id !== undefined && this.pending.has(message.id)) {
      const { resolve, reject } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else resolve(message.result);
    } else if (message.params?.subscription !== undefined) {
      this.subscriptions.get(message.params.subscription)?.(message.params.result);
    }
  }

  /** Calls `method`; resolves with its result, rejects with its error. */
  call(method, params = []) {
    const id = this.nextId++;
    const text = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
      else this.queue.push(text);
    });
  }

  /**
   * Subscribes with `method` (`x_subscribeY`); `onItem` hears every notification, also
   * after a reconnect. Returns the function that ends it, on the node too (`x_unsubscribeY`).
   */
  subscribe(method, params, onItem) {
    const wanted = { method, params, onItem };
    this.wanted.push(wanted);
    if (this.socket.readyState === WebSocket.OPEN) this.resubscribe(wanted);
    return () => {
      this.wanted = this.wanted.filter((other) => other !== wanted);
      this.end(wanted);
    };
  }

  async resubscribe(wanted) {
    try {
      wanted.id = await this.call(wanted.method, wanted.params);
      if (this.wanted.includes(wanted)) this.subscriptions.set(wanted.id, wanted.onItem);
      // Ended while the node was still answering: end it there too.
      else this.end(wanted);
    } catch (error) {
      this.onStatus(`${wanted.method} failed: ${error.message}`, false);
    }
  }

  /** Ends `wanted`'s subscription on the node, if it has one. */
  end(wanted) {
    if (wanted.id === undefined) return;
    this.subscriptions.delete(wanted.id);
    const id = wanted.id;
    wanted.id = undefined;
    this.call(wanted.method.replace('_subscribe', '_unsubscribe'), [id]).catch(() => {});
  }
}
