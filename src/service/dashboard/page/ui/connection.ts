// The connection badge: live while every channel (status polls, event streams) answers; "lost" as soon as
// one cannot reach the server, until it reconnects by itself.

import { byId } from './dom.js';

export class ConnectionBadge {
  private readonly lost = new Set<string>();
  private hasConnected = false;
  private readonly badge = byId('connection');

  /** A channel reached the server (ok) or could not (lost). */
  report(channel: string, isOk: boolean): void {
    if (isOk) {
      this.lost.delete(channel);
      this.hasConnected = true;
    } else {
      this.lost.add(channel);
    }
    this.render();
  }

  /** A channel that no longer exists (a stream closed on purpose). */
  forget(channel: string): void {
    this.lost.delete(channel);
    this.render();
  }

  private render(): void {
    const state = this.lost.size > 0 ? 'lost' : this.hasConnected ? 'live' : 'connecting';
    if (this.badge.dataset.state === state) return;
    this.badge.dataset.state = state;
    this.badge.textContent = state === 'lost' ? 'Connection lost: reconnecting…' : state === 'live' ? 'Live' : 'Connecting…';
  }
}
