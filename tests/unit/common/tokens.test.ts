import { describe, expect, it } from 'vitest';
import { TokenError, TokenService } from '../../../server/common/tokens';

const tokens = new TokenService('unit-test-secret-unit-test-secret-0123');

describe('TokenService', () => {
  it('verifies its own tokens, repeatedly', () => {
    const { token } = tokens.sign({ playerId: 'p-1', name: 'Ann' });
    expect(tokens.verify(token)).toEqual({ playerId: 'p-1', name: 'Ann' });
    expect(tokens.verify(token)).toEqual({ playerId: 'p-1', name: 'Ann' });
  });

  it('refuses a tampered token even after the genuine one was verified', () => {
    const { token } = tokens.sign({ playerId: 'p-2', name: 'Bob' });
    tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'admin' })).toString('base64url')}.${signature}`;
    expect(() => tokens.verify(forged)).toThrow(TokenError);
    expect(() => tokens.verify(`${token.slice(0, -2)}xx`)).toThrow(TokenError);
  });

  it('refuses tokens signed with another secret', () => {
    const other = new TokenService('another-secret-another-secret-01234567');
    expect(() => tokens.verify(other.sign({ playerId: 'p', name: 'X' }).token)).toThrow(/not valid/);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new TokenService('short')).toThrow(/32 bytes/);
  });
});
