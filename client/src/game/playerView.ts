import type { GameObjects, Scene } from 'phaser';
import type { ArenaRules } from '../../../shared/rules/arena';
import { colorOf } from './arenaView';
import { SnapshotBuffer } from './interpolation';

/** One player on screen: a coloured disc with a soft halo and a name tag. */
export class PlayerView {
  readonly buffer = new SnapshotBuffer();
  readonly #root: GameObjects.Container;
  readonly #label: GameObjects.Text;
  readonly #scoreTag: GameObjects.Text;
  #name = '';
  #score = -1;

  constructor(scene: Scene, private readonly rules: ArenaRules, color: string, readonly isMe: boolean) {
    const c = colorOf(color);
    const r = rules.playerRadius;
    const halo = scene.add.circle(0, 0, r * 1.9, c, 0.14);
    const body = scene.add.circle(0, 0, r, c, 1).setStrokeStyle(isMe ? 4 : 2, isMe ? 0xffffff : 0x0b0f1a, isMe ? 0.95 : 0.8);
    const shine = scene.add.circle(-r * 0.35, -r * 0.35, r * 0.28, 0xffffff, 0.35);
    this.#label = scene.add.text(0, -r - 16, '', {
      fontFamily: 'Inter, system-ui, sans-serif', fontSize: '15px', fontStyle: isMe ? 'bold' : 'normal', color: '#eef2ff',
      stroke: '#0b0f1a', strokeThickness: 4,
    }).setOrigin(0.5, 1);
    this.#scoreTag = scene.add.text(0, 0, '', {
      fontFamily: 'Inter, system-ui, sans-serif', fontSize: '14px', fontStyle: 'bold', color: '#0b0f1a',
    }).setOrigin(0.5, 0.5);
    this.#root = scene.add.container(0, 0, [halo, body, shine, this.#scoreTag, this.#label]).setDepth(isMe ? 20 : 10);
  }

  get name(): string {
    return this.#name;
  }

  update(name: string, score: number): void {
    if (name !== this.#name) {
      this.#name = name;
      this.#label.setText(this.isMe ? `${name} (you)` : name);
    }
    if (score !== this.#score) {
      this.#score = score;
      this.#scoreTag.setText(String(score));
    }
  }

  moveTo(x: number, y: number): void {
    this.#root.setPosition(x, y);
    // Keep the name tag inside the arena when the player hugs a side wall.
    const half = this.#label.width / 2 + 4;
    this.#label.x = Math.min(Math.max(0, half - x), this.rules.width - half - x);
  }

  setDimmed(dimmed: boolean): void {
    this.#root.setAlpha(dimmed ? 0.45 : 1);
  }

  destroy(): void {
    this.#root.destroy();
  }
}
