import { type Server, type Socket, createServer } from 'node:net';

/** What serves the connections a {@link GrpcListener} accepts: the gRPC server (grpc-stack.ts). */
export interface GrpcConnectionHandler {
  /** Serves a connection: HTTP/2 with the gRPC services, as if the server had accepted it itself. */
  injectConnection(socket: Socket): void;
  /** Lets running calls finish for up to `graceMs`, then cancels what is left. */
  shutdown(graceMs: number): Promise<void>;
  /** Cancels every call and closes every connection now. */
  forceShutdown(): void;
}

/** Options of {@link GrpcListener.listen}. */
export interface GrpcListenerOptions {
  readonly host: string;
  /** 0 picks a free port (read it back from {@link GrpcListener.port}). */
  readonly port: number;
  /** Loads and builds the gRPC server; called on the first connection (again on the next one if it failed). */
  readonly load: () => Promise<GrpcConnectionHandler>;
  /** Told when `load` failed; the connections waiting for it are closed. */
  readonly onLoadError: (error: unknown) => void;
}

/**
 * The gRPC port, bound at start by a plain TCP listener; the gRPC server behind it (grpc-js,
 * protobufjs and node:http2, which brings node:tls) is loaded when the first connection arrives
 * and then serves that connection and all later ones. A server whose clients only speak REST never
 * loads it: measured on the image, that stack was ~20 ms of every start and several MB of memory
 * held for nothing. The first gRPC caller pays the load once instead.
 *
 * What a client sends while the stack loads stays in the socket's buffer; node:http2 replays a
 * socket's buffered data into the session it binds to it. (Accepting with `pauseOnConnect` instead
 * left the handle stopped under HTTP/2, which then never read: the client's SETTINGS timed out.)
 */
export class GrpcListener {
  readonly #server: Server;
  readonly #options: GrpcListenerOptions;
  /** Sockets accepted and not yet handed over. */
  readonly #waiting = new Set<Socket>();
  #handler: Promise<GrpcConnectionHandler> | undefined;
  #closing = false;

  /** Binds the port (rejecting as `net.Server.listen` does, e.g. EADDRINUSE) and starts accepting. */
  static async listen(options: GrpcListenerOptions): Promise<GrpcListener> {
    const listener = new GrpcListener(options);
    await new Promise<void>((resolve, reject) => {
      listener.#server.once('error', reject);
      listener.#server.listen({ host: options.host, port: options.port }, () => {
        listener.#server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  private constructor(options: GrpcListenerOptions) {
    this.#options = options;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** The port actually bound. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error(`the gRPC listener has no TCP address (${String(address)})`);
    return address.port;
  }

  /** Whether the gRPC server has been loaded (by a first connection). */
  get loaded(): boolean {
    return this.#handler !== undefined;
  }

  /**
   * Stops accepting, then lets running calls finish for up to `graceMs` and cancels what is left.
   * Connections still waiting for the server to load are closed.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#stopAccepting();
    const handler = await this.#loadedHandler();
    await handler?.shutdown(graceMs);
  }

  /** Stops accepting and closes every connection now. */
  forceShutdown(): void {
    this.#stopAccepting();
    void this.#loadedHandler().then((handler) => handler?.forceShutdown());
  }

  #stopAccepting(): void {
    this.#closing = true;
    if (this.#server.listening) this.#server.close();
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting.clear();
  }

  /** The handler once loading settled, or undefined when it was never asked for or failed. */
  async #loadedHandler(): Promise<GrpcConnectionHandler | undefined> {
    return this.#handler?.catch(() => undefined);
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    this.#waiting.add(socket);
    socket.once('close', () => this.#waiting.delete(socket));
    this.#handler ??= this.#load();
    this.#handler.then(
      (handler) => {
        if (!this.#waiting.delete(socket)) return; // closed meanwhile, by the client or by shutdown
        handler.injectConnection(socket);
      },
      () => {
        this.#waiting.delete(socket);
        socket.destroy();
      },
    );
  }

  #load(): Promise<GrpcConnectionHandler> {
    const loading = this.#options.load();
    loading.catch((error: unknown) => {
      // The next connection tries again; a failure is a broken install, so say it each time.
      if (this.#handler === loading) this.#handler = undefined;
      this.#options.onLoadError(error);
    });
    return loading;
  }
}
