/**
 * Messages to the webview wait until it says `ready` (its script has loaded and listens), and again after every
 * reload: without retainContextWhenHidden a hidden panel's page is destroyed and a message sent then is lost.
 * Only the latest message of each type matters (a newer view replaces an older one), so the queue keeps one per type.
 */
import type { HostMessage } from '../../../webview/protocol';

export class MessageQueue {
  private ready = false;
  private readonly pending = new Map<HostMessage['type'], HostMessage>();
  /** The last message of each type that was delivered: re-sent when a reloaded page says ready again. */
  private readonly delivered = new Map<HostMessage['type'], HostMessage>();

  constructor(private readonly send: (message: HostMessage) => void) {}

  post(message: HostMessage): void {
    if (this.ready) this.deliver(message);
    else {
      this.pending.delete(message.type);
      this.pending.set(message.type, message);
    }
  }

  /** The page loaded (again): it gets the latest of each type, delivered or not, in the order they were posted. */
  markReady(): void {
    this.ready = true;
    const latest = new Map([...this.delivered, ...this.pending]);
    this.pending.clear();
    for (const message of latest.values()) this.deliver(message);
  }

  /** The page is gone (hidden or reloading): hold messages until it is ready again. */
  markNotReady(): void {
    this.ready = false;
  }

  private deliver(message: HostMessage): void {
    this.delivered.delete(message.type);
    this.delivered.set(message.type, message);
    this.send(message);
  }
}
