/** Installs the host emulation of the CUDA bindings (emulator.ts) for the tests of one file. */
import { afterAll, beforeAll } from 'vitest';
import { useCudaBinding } from '../../src/backend/cuda/index';
import { emulatedCuda, type Emulation } from './emulator';

/** The emulation in use while the file's tests run (set in beforeAll, removed in afterAll). */
export function withEmulatedCuda(): { emu: Emulation } {
  const holder = {} as { emu: Emulation };
  beforeAll(() => {
    holder.emu = emulatedCuda();
    useCudaBinding(holder.emu);
  });
  afterAll(() => useCudaBinding(undefined));
  return holder;
}
