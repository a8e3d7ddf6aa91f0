// Turns a server record into what the hypervisor needs (an InstanceSpec), including the config drive
// in Nova's layout (nova/api/metadata/base.py, nova/virt/netutils.py): openstack/latest/meta_data.json,
// user_data, network_data.json, vendor_data*.json.
import { randomBytes } from 'node:crypto';
import type { ImageSource, InstanceSpec, NicSpec } from '../virt/compute-driver.js';
import type { ComputeImage, ImageGateway } from './image-gateway.js';
import type { ServerWithDetails } from './repositories/server-repository.js';

export function nicsOf(server: ServerWithDetails): NicSpec[] {
  return server.addresses.map((a) => ({
    mac: a.mac,
    address: a.address,
    prefix: Number(a.cidr.split('/')[1]),
    gateway: a.gateway,
    libvirtNetwork: a.mode === 'nat' ? a.libvirt_name : null,
  }));
}

function netmask(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}

export function networkData(server: ServerWithDetails) {
  const nics = nicsOf(server);
  return {
    links: nics.map((n, i) => ({ id: `tap${server.id.slice(0, 8)}-${i}`, vif_id: `${server.id}-${i}`, type: 'bridge', mtu: 1500, ethernet_mac_address: n.mac })),
    // Static details (type ipv4) as Nova writes them, so a guest without DHCP can still configure itself.
    networks: nics.map((n, i) => ({
      id: `network${i}`,
      type: 'ipv4',
      link: `tap${server.id.slice(0, 8)}-${i}`,
      ip_address: n.address,
      netmask: netmask(n.prefix),
      routes: i === 0 ? [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: n.gateway }] : [],
      network_id: server.addresses[i].network_id,
      services: [{ type: 'dns', address: n.gateway }],
    })),
    services: nics.length ? [{ type: 'dns', address: nics[0].gateway }] : [],
  };
}

export function metaData(server: ServerWithDetails) {
  const keys = server.key_name && server.key_data ? [{ name: server.key_name, type: 'ssh', data: server.key_data }] : [];
  return {
    uuid: server.id,
    meta: server.metadata,
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])),
    keys,
    hostname: server.hostname,
    name: server.name,
    launch_index: server.launch_index,
    availability_zone: server.availability_zone ?? 'nova',
    random_seed: randomBytes(512).toString('base64'),
    project_id: server.project_id,
    devices: [],
  };
}

export function configDriveFiles(server: ServerWithDetails): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {
    'openstack/latest/meta_data.json': JSON.stringify(metaData(server)),
    'openstack/latest/network_data.json': JSON.stringify(networkData(server)),
    'openstack/latest/vendor_data.json': '{}',
    'openstack/latest/vendor_data2.json': '{}',
  };
  if (server.user_data) files['openstack/latest/user_data'] = Buffer.from(server.user_data, 'base64');
  return files;
}

export function imageSource(image: ComputeImage, images: ImageGateway): ImageSource {
  return {
    id: image.id,
    diskFormat: image.diskFormat ?? 'raw',
    size: image.size ?? 0,
    virtualSize: image.virtualSize ?? image.size ?? 0,
    open: () => images.open(image.id),
  };
}

export function instanceSpec(server: ServerWithDetails, image: ComputeImage, images: ImageGateway): InstanceSpec {
  return {
    id: server.id,
    number: server.number,
    name: server.name,
    hostname: server.hostname,
    memoryMiB: server.flavor.ram,
    vcpus: server.flavor.vcpus,
    rootGiB: server.flavor.disk,
    ephemeralGiB: server.flavor.ephemeral,
    swapMiB: server.flavor.swap,
    image: imageSource(image, images),
    nics: nicsOf(server),
    configDrive: server.config_drive ? configDriveFiles(server) : undefined,
    owner: { projectId: server.project_id, userId: server.user_id, flavorName: server.flavor.name, serverName: server.name },
  };
}
