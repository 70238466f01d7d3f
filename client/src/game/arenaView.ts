import type { Scene } from 'phaser';
import type { ArenaRules } from '../../../shared/rules/arena';

export const ORB_TEXTURE = 'orb';
export const GOLDEN_ORB_TEXTURE = 'orb-golden';

/**
 * Orb sprites drawn once into canvas textures with radial gradients: the
 * canvas renderer has no glow shader or tint, and a texture is cheaper per
 * frame than redrawing gradients.
 */
export function ensureTextures(scene: Scene, rules: ArenaRules): void {
  glowTexture(scene, ORB_TEXTURE, rules.orbRadius * 0.85, 2.6, ['#ffffff', '#c9d6ff', 'rgba(170,190,255,0.28)']);
  glowTexture(scene, GOLDEN_ORB_TEXTURE, rules.orbRadius * 1.35, 3.6, ['#fffbe6', '#ffd166', 'rgba(255,180,40,0.5)']);
}

function glowTexture(scene: Scene, key: string, radius: number, glow: number, [core, body, halo]: [string, string, string]): void {
  if (scene.textures.exists(key)) return;
  const size = Math.ceil(radius * glow * 2);
  const tex = scene.textures.createCanvas(key, size, size);
  if (!tex) return;
  const ctx = tex.getContext();
  const c = size / 2;
  const haloGrad = ctx.createRadialGradient(c, c, radius * 0.6, c, c, c);
  haloGrad.addColorStop(0, halo);
  haloGrad.addColorStop(1, 'rgba(0,0,0,0)');
  ctx.fillStyle = haloGrad;
  ctx.fillRect(0, 0, size, size);
  const bodyGrad = ctx.createRadialGradient(c - radius * 0.3, c - radius * 0.3, radius * 0.1, c, c, radius);
  bodyGrad.addColorStop(0, core);
  bodyGrad.addColorStop(1, body);
  ctx.fillStyle = bodyGrad;
  ctx.beginPath();
  ctx.arc(c, c, radius, 0, Math.PI * 2);
  ctx.fill();
  tex.refresh();
}

/** The arena floor: a dark field with a faint grid and a lit border. */
export function drawArenaFloor(scene: Scene, rules: ArenaRules): void {
  const g = scene.add.graphics();
  g.fillStyle(0x0d1322, 1);
  g.fillRect(0, 0, rules.width, rules.height);
  g.lineStyle(1, 0x1b2540, 1);
  for (let x = 40; x < rules.width; x += 40) g.lineBetween(x, 0, x, rules.height);
  for (let y = 40; y < rules.height; y += 40) g.lineBetween(0, y, rules.width, y);
  g.lineStyle(1, 0x24325a, 1);
  for (let x = 200; x < rules.width; x += 200) g.lineBetween(x, 0, x, rules.height);
  for (let y = 200; y < rules.height; y += 200) g.lineBetween(0, y, rules.width, y);
  g.lineStyle(4, 0x3a4f8a, 1);
  g.strokeRect(2, 2, rules.width - 4, rules.height - 4);
  g.setDepth(-10);
}

export function colorOf(css: string, fallback = 0xffffff): number {
  const n = Number.parseInt(css.replace(/^#/, ''), 16);
  return Number.isFinite(n) ? n : fallback;
}
