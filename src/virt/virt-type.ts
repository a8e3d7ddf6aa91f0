// Which libvirt domain type the guests of this host run as: 'kvm' (hardware virtualisation) or
// 'qemu' (TCG, plain emulation). Nova asks the operator ([libvirt] virt_type); virtstack takes
// the same setting (VIRTSTACK_VIRT_TYPE) and, when it is absent, looks at the host.
import { existsSync } from 'node:fs';

export type VirtType = 'kvm' | 'qemu';

export interface VirtTypeProbe {
  /** Whether a path exists on the host (injectable for tests). */
  exists(path: string): boolean;
}

const hostProbe: VirtTypeProbe = { exists: existsSync };

/**
 * An explicit 'kvm' or 'qemu' wins. Otherwise 'qemu' when there is no /dev/kvm, or when the KVM
 * behind it is kvm_pvm (the nested "PVM" KVM of cloud VMs without VMX: libvirt reports KVM and a
 * KVM domain starts, but a real guest dies with an emulation failure in its boot loader — see
 * guest-image/README.md), else 'kvm'. The probe looks at the machine virtstack runs on, so it
 * only fits the local host; remote hosts need the explicit setting.
 */
export function detectVirtType(setting?: string | null, probe: VirtTypeProbe = hostProbe): VirtType {
  if (setting === 'kvm' || setting === 'qemu') return setting;
  if (setting !== undefined && setting !== null && setting !== '' && setting !== 'auto') {
    throw new Error(`virt type must be kvm, qemu or auto, not '${setting}'`);
  }
  if (!probe.exists('/dev/kvm') || probe.exists('/sys/module/kvm_pvm')) return 'qemu';
  return 'kvm';
}
