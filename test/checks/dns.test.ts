import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/runner.js';
import { contextFor } from './support.js';

describe('dns checks', () => {
  it('resolves localhost to a loopback address', async () => {
    const result = await runCheck({ kind: 'dns', name: 'localhost' }, contextFor());
    expect(result.ok).toBe(true);
    expect(result.value?.split(', ').some((address) => address === '127.0.0.1' || address === '::1')).toBe(
      true,
    );
    expect(result.detail).toMatch(/^localhost resolves to /);
  });

  it('passes when the expected addresses are among the answers', async () => {
    const result = await runCheck({ kind: 'dns', name: 'localhost', addresses: ['127.0.0.1'] }, contextFor());
    expect(result.ok).toBe(true);
  });

  it('fails when an expected address is missing', async () => {
    const result = await runCheck({ kind: 'dns', name: 'localhost', addresses: ['10.9.8.7'] }, contextFor());
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^localhost resolves to .+, not to 10\.9\.8\.7$/);
  });

  it('fails a name that does not exist', async () => {
    const result = await runCheck({ kind: 'dns', name: 'shipcheck-does-not-exist.invalid' }, contextFor());
    expect(result).toMatchObject({ ok: false, value: null });
    expect(result.detail).toMatch(
      /^shipcheck-does-not-exist\.invalid does not resolve \((ENOTFOUND|EAI_NONAME|ENODATA)\)$/,
    );
  });
});
