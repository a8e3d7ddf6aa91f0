// First start of Nova: the usual m1.* flavors (Nova's historical defaults), seeded once.
import type { FlavorRepository } from './repositories/flavor-repository.js';

const DEFAULT_FLAVORS = [
  { id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1 },
  { id: '2', name: 'm1.small', ram: 2048, disk: 20, vcpus: 1 },
  { id: '3', name: 'm1.medium', ram: 4096, disk: 40, vcpus: 2 },
  { id: '4', name: 'm1.large', ram: 8192, disk: 80, vcpus: 4 },
  { id: '5', name: 'm1.xlarge', ram: 16384, disk: 160, vcpus: 8 },
];

export async function seedFlavors(flavors: FlavorRepository): Promise<void> {
  if ((await flavors.list()).length > 0) return;
  for (const f of DEFAULT_FLAVORS) {
    await flavors.insert({ ...f, ephemeral: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, description: null, extra_specs: {} }).catch(() => undefined);
  }
}
